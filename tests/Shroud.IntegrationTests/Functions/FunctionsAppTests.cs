using System.Net;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>The compiled Functions app, driven through the test Functions host: what is deployed is what is tested.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsAppTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>, IAsyncLifetime
{
    private ShroudClient client = null!;

    public async Task InitializeAsync() => client = new ShroudClient((await worker.StartAsync(azurite)).CreateClient());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Health_answers_200_through_the_worker()
    {
        var (status, body, _) = await client.SendAsync(HttpMethod.Get, "/api/health", null);

        Assert.True(status == HttpStatusCode.OK, worker.Host.RecentLog);
        Assert.Equal("healthy", body!["status"]!.GetValue<string>());
    }
}
