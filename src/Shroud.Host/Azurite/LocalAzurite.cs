using Microsoft.Extensions.Options;
using Shroud.Storage;

namespace Shroud.Host.Azurite;

/// <summary>
/// In Development, when the storage setting points at a local emulator — <c>UseDevelopmentStorage=true</c> (Azurite's ports 10000–10002),
/// or the development account with loopback endpoints (their ports) — and nothing answers on its table port, starts
/// Azurite from the repository's npm manifest (data kept in <c>.azurite/</c>) and stops it on exit.
/// </summary>
public sealed class LocalAzurite(IOptions<StorageOptions> storage, IHostEnvironment environment, ILogger<LocalAzurite> logger) : IHostedService
{
    private AzuriteProcess? azurite;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment()
            || EmulatorPorts(storage.Value.ConnectionString) is not { } ports
            || await AzuriteProcess.IsListeningAsync(ports.TablePort, cancellationToken))
        {
            return;
        }

        logger.LogInformation("No storage emulator answers on 127.0.0.1:{Port}; starting Azurite", ports.TablePort);
        azurite = await AzuriteProcess.StartAsync(ports, cancellationToken);
        logger.LogInformation("Azurite is listening on 127.0.0.1:{Port}", ports.TablePort);
    }

    /// <summary>Where Azurite would serve the storage a connection string names; null when it names no local emulator.</summary>
    public static AzuriteStartOptions? EmulatorPorts(string? connectionString)
    {
        var settings = (connectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.OrdinalIgnoreCase);
        if (settings.TryGetValue("UseDevelopmentStorage", out var development) && string.Equals(development, "true", StringComparison.OrdinalIgnoreCase))
        {
            return new AzuriteStartOptions(BlobPort: 10000, QueuePort: 10001, TablePort: 10002, InMemory: false, Location: DataFolder);
        }

        int? LoopbackPort(string name) =>
            settings.TryGetValue(name, out var endpoint) && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.IsLoopback ? uri.Port : null;
        return settings.GetValueOrDefault("AccountName") == AzuriteProcess.AccountName && LoopbackPort("BlobEndpoint") is { } blob && LoopbackPort("TableEndpoint") is { } table
            ? new AzuriteStartOptions(blob, LoopbackPort("QueueEndpoint") ?? AzuriteProcess.FreeTcpPort(), table, InMemory: false, Location: DataFolder)
            : null;
    }

    private const string DataFolder = ".azurite";

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
            logger.LogInformation("Azurite stopped");
        }
    }
}
