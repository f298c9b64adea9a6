using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Maintenance;
using Shroud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Shroud.IntegrationTests.Lifecycle;

/// <summary>A conversation's started encryption lasts Shroud__ConversationTtl, then its state is swept like records.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConversationExpiryTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string App = "conversation-ttl-app";
    private readonly ShroudFactory factory = new(azurite, new Dictionary<string, string?> { ["Shroud:ConversationTtl"] = "01:00:00" });
    private ShroudClient client = null!;
    private string key = null!;
    private string configurationId = null!;

    public async Task InitializeAsync()
    {
        client = new ShroudClient(factory.CreateClient());
        key = await client.CreateAppWithKeyAsync(App, "configure", "encrypt");
        var (_, configuration, _) = await client.PostAsync($"/api/apps/{App}/configurations", key, new { name = "users", encryptUserMessages = true });
        configurationId = configuration!["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    private async Task StartAsync(string conversationId) =>
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/{conversationId}/encryption", key, new { configurationId })).Status);

    private async Task<bool> EncryptingAsync(string conversationId) =>
        (await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/conversations/{conversationId}/encryption", key)).Body!["encrypting"]!.GetValue<bool>();

    private async Task<MaintenanceReport> SweepAsync() =>
        await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Sweep, CancellationToken.None);

    [Fact]
    public async Task Started_encryption_expires_after_the_conversation_ttl_and_the_sweep_deletes_its_rows()
    {
        await StartAsync("c-1");
        factory.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True(await EncryptingAsync("c-1"));
        var early = await SweepAsync();

        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var expiredState = await EncryptingAsync("c-1");
        var (_, sealedEvent, _) = await client.PostAsync($"/api/apps/{App}/events", key, new JsonObject
        {
            ["id"] = "e1", ["conversationId"] = "c-1", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" }, ["text"] = "hello",
        }.ToJsonString());
        var swept = await SweepAsync();
        var left = await Rows.AllAsync(factory.Table("conversations"));

        output.WriteLine($"swept {early.ConversationsDeleted} at 59 min, {swept.ConversationsDeleted} at 61 min; {left.Count} conversation rows left");
        Assert.Equal(0, early.ConversationsDeleted);
        Assert.False(expiredState);
        Assert.Empty(sealedEvent!["sealedPaths"]!.AsArray());
        Assert.Equal(1, swept.ConversationsDeleted);
        Assert.Empty(swept.Failures);
        Assert.Empty(left);
    }

    [Fact]
    public async Task Starting_again_renews_the_expiry_and_the_earlier_expiry_does_not_delete_it()
    {
        await StartAsync("c-2");
        factory.Clock.Advance(TimeSpan.FromMinutes(30));
        await StartAsync("c-2");

        factory.Clock.Advance(TimeSpan.FromMinutes(32));
        var atFirstExpiry = await SweepAsync();
        Assert.True(await EncryptingAsync("c-2"));

        factory.Clock.Advance(TimeSpan.FromMinutes(30));
        var atSecondExpiry = await SweepAsync();

        Assert.Equal((0, 1), (atFirstExpiry.ConversationsDeleted, atSecondExpiry.ConversationsDeleted));
        Assert.False(await EncryptingAsync("c-2"));
        Assert.Empty(await Rows.AllAsync(factory.Table("conversations")));
    }

    [Fact]
    public async Task The_sweep_reads_no_live_conversation()
    {
        await StartAsync("c-expiring");
        for (var i = 0; i < 20; i++)
        {
            factory.Clock.Advance(TimeSpan.FromMinutes(1));
            await StartAsync($"c-live-{i}");
        }

        factory.Clock.Advance(TimeSpan.FromMinutes(41));
        factory.StorageRequests.Reset();
        var report = await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Sweep, CancellationToken.None);
        // The audit and deliveries tables' sweeps and the run's own audit record are not the conversations' cost.
        var requests = factory.StorageRequests.Requests.Count(r => !r.Contains("audit", StringComparison.Ordinal) && !r.Contains("deliveries", StringComparison.Ordinal));

        output.WriteLine($"{report.ConversationsDeleted} conversation deleted with 20 live ones, in {requests} storage requests (records sweep included)");
        Assert.Equal(1, report.ConversationsDeleted);
        Assert.True(requests <= 5, $"{requests} storage requests");
        Assert.Equal(40, (await Rows.AllAsync(factory.Table("conversations"))).Count);
    }
}
