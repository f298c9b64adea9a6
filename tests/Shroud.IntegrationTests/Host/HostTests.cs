using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Shroud.Host.Azurite;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Host;

[Collection(AzuriteCollection.Name)]
public sealed class HostTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_is_200_when_storage_answers()
    {
        await using var factory = new ShroudFactory(azurite);

        var (status, body, _) = await new ShroudClient(factory.CreateClient()).SendAsync(HttpMethod.Get, "/api/health", key: null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Health_is_503_when_storage_does_not_answer_and_the_host_still_starts()
    {
        var closedPort = AzuriteProcess.FreeTcpPort();
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{closedPort}/"),
        });
        var client = new ShroudClient(factory.CreateClient());

        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/health", key: null), HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "no-storage" }), HttpStatusCode.ServiceUnavailable, "storage_unavailable");
    }

    [Theory]
    [InlineData("Shroud:BootstrapAdminKey", "Shroud__BootstrapAdminKey")]
    [InlineData("RootKeys:Keys:test", "RootKeys__Keys__<id>")]
    [InlineData("RootKeys:ActiveKeyId", "RootKeys__ActiveKeyId")]
    [InlineData("Storage:ConnectionString", "Storage__ConnectionString")]
    public async Task Outside_development_the_host_refuses_to_start_and_names_the_missing_setting(string missing, string named)
    {
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { [missing] = null });

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        Assert.Contains(named, error.ToString());
    }

    [Fact]
    public async Task In_development_the_host_starts_azurite_when_none_answers_and_stops_it_on_exit()
    {
        // Ports nothing else listens on, named by the development account's connection string, so the test does not
        // depend on an emulator another process may run on Azurite's default ports.
        var ports = new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true);
        var connectionString = $"DefaultEndpointsProtocol=http;AccountName={AzuriteProcess.AccountName};AccountKey={AzuriteProcess.AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{ports.BlobPort}/{AzuriteProcess.AccountName};"
            + $"QueueEndpoint=http://127.0.0.1:{ports.QueuePort}/{AzuriteProcess.AccountName};"
            + $"TableEndpoint=http://127.0.0.1:{ports.TablePort}/{AzuriteProcess.AccountName};";
        Assert.False(await AzuriteProcess.IsListeningAsync(ports.TablePort));
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Development")
            .UseSetting("Storage:ConnectionString", connectionString) // whatever a developer's local.settings.json says
            .UseSetting("Storage:TablePrefix", azurite.UniqueName("dev")));

        var (status, _, _) = await new ShroudClient(factory.CreateClient()).SendAsync(HttpMethod.Get, "/api/health", key: null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(await AzuriteProcess.IsListeningAsync(ports.TablePort));
        Assert.True(await AzuriteProcess.IsListeningAsync(ports.BlobPort));

        await factory.DisposeAsync();
        Assert.False(await AzuriteProcess.IsListeningAsync(ports.TablePort));
    }

    [Fact]
    public void Development_storage_means_azurites_default_ports_and_other_storage_starts_no_emulator()
    {
        Assert.Equal((10000, 10001, 10002), LocalAzurite.EmulatorPorts("UseDevelopmentStorage=true;") is { } d ? (d.BlobPort, d.QueuePort, d.TablePort) : default);
        Assert.Null(LocalAzurite.EmulatorPorts("DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net"));
        Assert.Null(LocalAzurite.EmulatorPorts($"AccountName={AzuriteProcess.AccountName};BlobEndpoint=http://storage.example:1/x;TableEndpoint=http://storage.example:2/x"));
        Assert.Null(LocalAzurite.EmulatorPorts(null));
    }
}
