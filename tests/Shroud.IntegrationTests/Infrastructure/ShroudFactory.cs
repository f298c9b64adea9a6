using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Crypto;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>
/// The local host wired to the shared Azurite, with its own tables (a unique prefix), a manual clock and a
/// counter of storage requests.
/// </summary>
public sealed class ShroudFactory : WebApplicationFactory<Program>
{
    public const string BootstrapKey = "test-bootstrap-admin-key";

    private readonly Dictionary<string, string?> settings;
    private readonly AzuriteFixture azurite;

    /// <param name="overrides">Settings to change; a null value removes the setting.</param>
    public ShroudFactory(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
        : this(azurite, new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = azurite.UniqueName("t"),
            // A queue of its own: hosts sharing one Azurite would otherwise take each other's deliveries.
            ["Storage:DeliveryQueue"] = azurite.UniqueName("q"),
            ["Shroud:BootstrapAdminKey"] = BootstrapKey,
            ["RootKeys:ActiveKeyId"] = "test",
            ["RootKeys:Keys:test"] = Convert.ToBase64String(Aead.NewKey()),
            // Far from any test run, so only the tests themselves start the job.
            ["Maintenance:Schedule"] = "0 0 0 29 2 *",
            ["Maintenance:SweepSchedule"] = "0 0 0 29 2 *",
        }, overrides, new ManualClock())
    {
    }

    private ShroudFactory(AzuriteFixture azurite, Dictionary<string, string?> settings, IDictionary<string, string?>? overrides, ManualClock clock)
    {
        this.azurite = azurite;
        this.settings = settings;
        Clock = clock;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }
    }

    public string TablePrefix => settings["Storage:TablePrefix"]!;

    /// <summary>The settings this host runs with (configuration keys).</summary>
    public IReadOnlyDictionary<string, string?> Settings => settings;

    public ManualClock Clock { get; }

    public FaultInjector Faults { get; } = new();

    public RequestCounter StorageRequests { get; } = new();

    /// <summary>More policies on every storage attempt, such as a made-up answer from storage.</summary>
    public IReadOnlyList<HttpPipelinePolicy> StoragePolicies { get; init; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            // The retry settings a deployment uses: outage tests see what production would.
            var tables = StorageAccount.DefaultTableOptions();
            var blobs = StorageAccount.DefaultBlobOptions();
            foreach (var options in new ClientOptions[] { tables, blobs })
            {
                options.AddPolicy(StorageRequests, HttpPipelinePosition.PerRetry);
                options.AddPolicy(Faults, HttpPipelinePosition.PerRetry);
                foreach (var policy in StoragePolicies)
                {
                    options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
                }
            }

            services.AddSingleton(tables);
            services.AddSingleton(blobs);
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    /// <summary>This host's table <c>{prefix}{name}</c>, through a client of its own (its requests are not counted).</summary>
    public TableClient Table(string name) => azurite.CreateTableService().GetTableClient(TablePrefix + name);

    /// <summary>
    /// Another instance of the service on the same storage, root keys and clock (as a second Functions instance),
    /// with changed settings where given.
    /// </summary>
    public ShroudFactory Sibling(IDictionary<string, string?>? overrides = null) =>
        new(azurite, new Dictionary<string, string?>(settings), overrides, Clock);
}
