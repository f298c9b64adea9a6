using System.Reflection;
using Shroud.Core.Crypto;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>
/// One compiled Functions worker per test class, started on first use through the test Functions host against the
/// shared Azurite, with tables of its own, and stopped with the class.
/// </summary>
public sealed class FunctionsWorker : IAsyncLifetime
{
    /// <summary>The root key the worker wraps new app KEKs with.</summary>
    public const string ActiveRootKeyId = "current";

    /// <summary>A root key the worker can still open but no longer wraps with, as during a root key rotation.</summary>
    public const string PreviousRootKeyId = "previous";

    /// <summary>
    /// The connection the delivery queue trigger names (its binding's <c>connection</c>): an app setting holding a
    /// connection string, or the prefix of identity-based settings. The deployment and settings tests check its settings.
    /// </summary>
    public const string DeliveryQueueConnection = "DeliveryQueueConnection";

    private readonly SemaphoreSlim starting = new(1, 1);
    private FunctionsHost? host;

    /// <summary>The output folder of src/Shroud.Functions, which this project builds before itself.</summary>
    public static string AppDirectory { get; } = typeof(FunctionsWorker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ShroudFunctionsAppDirectory").Value!;

    public string PreviousRootKey { get; } = Convert.ToBase64String(Aead.NewKey());

    /// <summary>The running host; valid after <see cref="StartAsync"/>.</summary>
    public FunctionsHost Host => host ?? throw new InvalidOperationException("The worker has not been started.");

    /// <summary>The app settings the Functions app runs with in the tests, as the local host's tests set them.</summary>
    /// <param name="deliveryQueue">The delivery queue's name, of this worker alone so that no other worker takes its messages.</param>
    public static Dictionary<string, string> Settings(string storageConnectionString, string tablePrefix, string deliveryQueue, string previousRootKey) => new()
    {
        ["Storage__ConnectionString"] = storageConnectionString,
        ["Storage__TablePrefix"] = tablePrefix,
        ["Storage__DeliveryQueue"] = deliveryQueue,
        // The queue trigger's connection: a connection string here, identity-based settings in Azure.
        [DeliveryQueueConnection] = storageConnectionString,
        ["Shroud__BootstrapAdminKey"] = ShroudFactory.BootstrapKey,
        ["Shroud__MaxMediaBytes"] = (6 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RootKeys__ActiveKeyId"] = ActiveRootKeyId,
        [$"RootKeys__Keys__{ActiveRootKeyId}"] = Convert.ToBase64String(Aead.NewKey()),
        [$"RootKeys__Keys__{PreviousRootKeyId}"] = previousRootKey,
        // Fake channel APIs listen on loopback.
        ["Channels__AllowForwardTo"] = "127.0.0.0/8",
        // Far from any test run: the tests fire the timer themselves.
        ["Maintenance__Schedule"] = "0 0 0 29 2 *",
        ["Maintenance__SweepSchedule"] = "0 0 0 29 2 *",
    };

    /// <summary>Starts the worker once; later calls return the running one.</summary>
    public async Task<FunctionsHost> StartAsync(AzuriteFixture azurite, Func<Dictionary<string, string>, Dictionary<string, string>>? change = null)
    {
        await starting.WaitAsync();
        try
        {
            if (host is null)
            {
                var settings = Settings(azurite.ConnectionString, azurite.UniqueName("f"), azurite.UniqueName("deliveries"), PreviousRootKey);
                host = await FunctionsHost.StartAsync(AppDirectory, change?.Invoke(settings) ?? settings);
            }

            return host;
        }
        finally
        {
            starting.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        starting.Dispose();
    }
}
