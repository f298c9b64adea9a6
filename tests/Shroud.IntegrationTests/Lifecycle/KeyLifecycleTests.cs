using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Shroud.Core.Crypto;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Lifecycle;

[Collection(AzuriteCollection.Name)]
public sealed class KeyLifecycleTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "admin")
{
    private const string App = "kek-app";
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(7);
    private static readonly TimeSpan CacheRefresh = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_new_app_has_one_active_version_and_the_list_shows_no_key_material()
    {
        var keks = await KeksAsync(Client);

        var only = Assert.Single(keks);
        Assert.Equal(1, only!["version"]!.GetValue<int>());
        Assert.True(only["active"]!.GetValue<bool>());
        Assert.Equal(Factory.Clock.GetUtcNow(), only["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Null(only["retiredAt"]);
        Assert.Equal(["version", "active", "rootKeyId", "createdAt"], only.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Rotation_retires_the_active_version_which_still_decrypts_and_is_destroyed_after_the_maximum_ttl()
    {
        var before = await EncryptAsync(Client, "sealed by v1");
        Factory.Clock.Advance(TimeSpan.FromMinutes(5));

        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/kek/rotate", Key, null);
        Assert.Equal(HttpStatusCode.OK, status);
        var keks = body!["items"]!.AsArray();
        Assert.Equal([2, 1], keks.Select(k => k!["version"]!.GetValue<int>()));
        Assert.True(keks[0]!["active"]!.GetValue<bool>());
        var retiredAt = keks[1]!["retiredAt"]!.GetValue<DateTimeOffset>();
        Assert.Equal(Factory.Clock.GetUtcNow(), retiredAt);
        Assert.Equal(retiredAt + MaxTtl + CacheRefresh, keks[1]!["destroyAt"]!.GetValue<DateTimeOffset>());

        var after = await EncryptAsync(Client, "sealed by v2");
        Assert.Equal(1, await KekVersionOfAsync(before));
        Assert.Equal(2, await KekVersionOfAsync(after));
        Assert.Equal("sealed by v1", await DecryptAsync(Client, before));
        Assert.Equal("sealed by v2", await DecryptAsync(Client, after));
    }

    [Fact]
    public async Task The_active_version_rotates_by_itself_once_it_has_served_its_period()
    {
        Factory.Clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(1, await KekVersionOfAsync(await EncryptAsync(Client, "still v1")));

        Factory.Clock.Advance(TimeSpan.FromHours(1));
        var reference = await EncryptAsync(Client, "now v2");

        Assert.Equal(2, await KekVersionOfAsync(reference));
        Assert.Equal([2, 1], (await KeksAsync(Client)).Select(k => k!["version"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Two_instances_rotating_at_the_same_moment_make_exactly_one_new_version_and_no_caller_sees_an_error()
    {
        // Both instances' rotation transactions are held in their storage pipelines until both have been sent, so the
        // two rotations always overlap: each read version 1 as active before either wrote.
        static bool IsTransaction(Azure.Core.Request r) => r.Method == Azure.Core.RequestMethod.Post && r.Uri.Path.EndsWith("$batch", StringComparison.Ordinal);
        var rendezvous = new RendezvousPolicy(IsTransaction, parties: 2);
        var jobsRendezvous = new RendezvousPolicy(IsTransaction, parties: 2);
        await using var first = new ShroudFactory(Azurite, Factory.Settings.ToDictionary()) { StoragePolicies = [rendezvous, jobsRendezvous] };
        await using var second = new ShroudFactory(Azurite, Factory.Settings.ToDictionary()) { StoragePolicies = [rendezvous, jobsRendezvous] };
        var clients = new[] { new ShroudClient(first.CreateClient()), new ShroudClient(second.CreateClient()) };
        foreach (var client in clients)
        {
            await EncryptAsync(client, "warm the instance's cache", ttl: "P7D");
        }

        AdvanceEveryClock(TimeSpan.FromHours(24));
        rendezvous.Arm();
        var answers = await Task.WhenAll(clients.Select((client, i) => client.PostAsync($"/api/apps/{App}/encrypt", Key, new { value = $"v{i}", ttl = "P7D" })));

        Assert.True(rendezvous.Met, "the two rotations did not meet");
        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, $"encrypt answered {a.Status}: {a.Body?.ToJsonString()}"));
        Assert.Equal([2, 1], (await KeksAsync(Client)).Select(k => k!["version"]!.GetValue<int>()));
        for (var i = 0; i < answers.Length; i++)
        {
            var reference = answers[i].Body!["ref"]!.GetValue<string>();
            Assert.Equal(2, await KekVersionOfAsync(reference));

            // A third instance, which never cached either rotation's key, opens what both sealed under version 2.
            Assert.Equal($"v{i}", await DecryptAsync(Client, reference));
        }

        // The maintenance job of both instances, at the same moment: one of them rotates, the other finds it done.
        AdvanceEveryClock(TimeSpan.FromHours(24));
        jobsRendezvous.Arm();
        var reports = await Task.WhenAll(clients.Select(client => client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null)));

        Assert.True(jobsRendezvous.Met, "the two jobs' rotations did not meet");
        Assert.Equal(1, reports.Sum(r => r.Body!["keksRotated"]!.GetValue<int>()));
        Assert.Equal([3, 2, 1], (await KeksAsync(Client)).Select(k => k!["version"]!.GetValue<int>()));

        void AdvanceEveryClock(TimeSpan by)
        {
            foreach (var clock in new[] { first.Clock, second.Clock, Factory.Clock })
            {
                clock.Advance(by);
            }
        }
    }

    [Fact]
    public async Task Another_instance_picks_up_a_new_version_within_the_cache_period_and_fetches_an_unseen_one_at_once()
    {
        await using var sibling = Factory.Sibling();
        var other = new ShroudClient(sibling.CreateClient());
        Assert.Equal(1, await KekVersionOfAsync(await EncryptAsync(other, "cached v1")));

        await Client.PostAsync($"/api/apps/{App}/kek/rotate", Key, null);
        var sealedByV2 = await EncryptAsync(Client, "sealed with v2 here");

        // The other instance has never seen v2: it fetches it on the miss.
        Assert.Equal("sealed with v2 here", await DecryptAsync(other, sealedByV2));

        Factory.Clock.Advance(CacheRefresh);
        Assert.Equal(2, await KekVersionOfAsync(await EncryptAsync(other, "after the cache period")));
    }

    [Fact]
    public async Task After_its_kek_is_destroyed_a_restored_record_row_cannot_be_decrypted()
    {
        var reference = await EncryptAsync(Client, "card 4111 1111 1111 1111", "PT1H");
        var backup = Assert.Single(await Rows.AllAsync(Factory.Table("records")));
        var sealedAt = Factory.Clock.GetUtcNow();

        await Client.PostAsync($"/api/apps/{App}/kek/rotate", Key, null);
        Factory.Clock.Advance(MaxTtl + CacheRefresh);
        var report = await RunMaintenanceAsync();
        Assert.Equal(1, report["keksDestroyed"]!.GetValue<int>());
        Assert.Equal(1, report["recordsDeleted"]!.GetValue<int>());
        Assert.DoesNotContain(1, (await KeksAsync(Client)).Select(k => k!["version"]!.GetValue<int>()));

        await Factory.Table("records").AddEntityAsync(backup);
        var revealed = await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference });
        Assert.Equal("★★★★★", revealed.Body!["value"]!.GetValue<string>());

        // Even with the clock turned back to before the expiry, nothing Shroud holds opens the row any more.
        Factory.Clock.Advance(sealedAt - Factory.Clock.GetUtcNow());
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference }), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task Rewrapping_moves_every_kek_to_the_active_root_key_so_the_old_root_key_can_be_removed()
    {
        var oldRoot = Factory.Settings["RootKeys:Keys:test"];
        var newRoot = Convert.ToBase64String(Aead.NewKey());
        await Client.PostAsync($"/api/apps/{App}/kek/rotate", Key, null);
        var reference = await EncryptAsync(Client, "sealed before the root Key changed");

        await using (var both = Factory.Sibling(new Dictionary<string, string?> { ["RootKeys:ActiveKeyId"] = "next", ["RootKeys:Keys:next"] = newRoot }))
        {
            var bothClient = new ShroudClient(both.CreateClient());
            var (_, report, _) = await bothClient.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
            Assert.Equal(2, report!["keksRewrapped"]!.GetValue<int>());
            Assert.All(await KeksAsync(bothClient), k => Assert.Equal("next", k!["rootKeyId"]!.GetValue<string>()));
            var again = (await bothClient.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null)).Body!;
            Assert.Equal(0, again["keksRewrapped"]!.GetValue<int>());
        }

        await using var onlyNew = Factory.Sibling(new Dictionary<string, string?>
        {
            ["RootKeys:ActiveKeyId"] = "next",
            ["RootKeys:Keys:next"] = newRoot,
            ["RootKeys:Keys:test"] = null,
        });
        Assert.NotNull(oldRoot);
        Assert.Equal("sealed before the root Key changed", await DecryptAsync(new ShroudClient(onlyNew.CreateClient()), reference));
    }

    [Fact]
    public async Task Kek_endpoints_need_admin()
    {
        var worker = await Client.CreateKeyAsync(App, "encrypt", "decrypt");

        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/kek", worker), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/kek/rotate", worker, null), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync("/api/maintenance/run", Key, null), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, "/api/apps/no-such-app/kek", ShroudFactory.BootstrapKey), HttpStatusCode.NotFound, "app_not_found");
    }

    private async Task<JsonArray> KeksAsync(ShroudClient on)
    {
        var (status, body, _) = await on.SendAsync(HttpMethod.Get, $"/api/apps/{App}/kek", Key);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["items"]!.AsArray();
    }

    private async Task<string> EncryptAsync(ShroudClient on, string value, string ttl = "P1D") =>
        (await on.EncryptAsync(App, Key, new { value, ttl }))["ref"]!.GetValue<string>();

    private async Task<string> DecryptAsync(ShroudClient on, string reference) =>
        (await on.DecryptAsync(App, Key, new { @ref = reference }))["value"]!.GetValue<string>();

    private async Task<int?> KekVersionOfAsync(string reference) =>
        Assert.Single(await Rows.AllAsync(Factory.Table("records"), TableClient.CreateQueryFilter($"RowKey eq {Rows.RefIdOf(reference)}"))).GetInt32("KekVersion");

    private async Task<JsonNode> RunMaintenanceAsync()
    {
        var (status, body, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!;
    }
}
