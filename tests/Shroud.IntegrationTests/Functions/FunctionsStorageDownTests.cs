using System.Net;
using Shroud.Core.Access;
using Shroud.Host.Azurite;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>The compiled Functions app with its storage unreachable (a closed loopback port): it starts, and answers 503.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsStorageDownTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>, IAsyncLifetime
{
    private ShroudClient client = null!;

    public async Task InitializeAsync()
    {
        var closedPort = AzuriteProcess.FreeTcpPort();
        var host = await worker.StartAsync(azurite, settings =>
        {
            settings["Storage__ConnectionString"] = azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{closedPort}/", StringComparison.Ordinal);
            return settings;
        });
        client = new ShroudClient(host.CreateClient());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Health_is_503_storage_unavailable()
    {
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/health", null), HttpStatusCode.ServiceUnavailable, "storage_unavailable");
    }

    [Fact]
    public async Task Encrypt_is_503_storage_unavailable()
    {
        // A well-formed key, so that checking it needs storage.
        var key = ApiKeyToken.New().Reveal();

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-down/encrypt", key, new { value = "x" }), HttpStatusCode.ServiceUnavailable, "storage_unavailable");
    }
}
