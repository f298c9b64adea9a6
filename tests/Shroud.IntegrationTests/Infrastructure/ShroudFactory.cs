using Azure.Core;
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

    /// <param name="overrides">Settings to change; a null value removes the setting.</param>
    public ShroudFactory(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
    {
        TablePrefix = azurite.UniqueName("t");
        settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = TablePrefix,
            ["Shroud:BootstrapAdminKey"] = BootstrapKey,
            ["RootKeys:ActiveKeyId"] = "test",
            ["RootKeys:Keys:test"] = Convert.ToBase64String(Aead.NewKey()),
        };
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

    public string TablePrefix { get; }

    public ManualClock Clock { get; } = new();

    public RequestCounter StorageRequests { get; } = new();

    /// <summary>Retries per storage request; tests of an unreachable storage lower it to stay fast.</summary>
    public int StorageRetries { get; init; } = 3;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            var options = new TableClientOptions();
            options.Retry.MaxRetries = StorageRetries;
            options.AddPolicy(StorageRequests, HttpPipelinePosition.PerRetry);
            services.AddSingleton(options);
            services.AddSingleton<TimeProvider>(Clock);
        });
    }
}
