using Microsoft.Extensions.Options;
using Shroud.Storage;

namespace Shroud.Host.Azurite;

/// <summary>
/// When the storage setting is <c>UseDevelopmentStorage=true</c> and nothing answers on Azurite's table port,
/// starts Azurite from the repository's npm manifest (data kept in <c>.azurite/</c>) and stops it on exit.
/// </summary>
public sealed class LocalAzurite(IOptions<StorageOptions> storage, ILogger<LocalAzurite> logger) : IHostedService
{
    private const int BlobPort = 10000;
    private const int QueuePort = 10001;
    private const int TablePort = 10002;

    private AzuriteProcess? azurite;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!string.Equals(storage.Value.ConnectionString?.Trim().TrimEnd(';'), "UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)
            || await AzuriteProcess.IsListeningAsync(TablePort, cancellationToken))
        {
            return;
        }

        logger.LogInformation("No storage emulator answers on 127.0.0.1:{Port}; starting Azurite", TablePort);
        azurite = await AzuriteProcess.StartAsync(new AzuriteStartOptions(BlobPort, QueuePort, TablePort, InMemory: false, Location: ".azurite"), cancellationToken);
        logger.LogInformation("Azurite is listening on 127.0.0.1:{Port}", TablePort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (azurite is not null)
        {
            await azurite.DisposeAsync();
            logger.LogInformation("Azurite stopped");
        }
    }
}
