using System.Net;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Maintenance;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Lifecycle;

[Collection(AzuriteCollection.Name)]
public sealed class MaintenanceTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string App = "sweep-app";

    [Fact]
    public async Task Sweep_cost_follows_the_expired_items_and_not_the_live_ones()
    {
        // 2,500 live rows would take three pages of 1,000 to scan; they expire a minute after the sweep, right above
        // the expired range. Azurite answers a filtered scan in as few pages as a range query, so the rows storage reads
        // are worked out from the partition-key range each sweep query names.
        var (withoutLive, readWithoutLive, deletedWithoutLive) = await SweepCostAsync(expired: 250, live: 0);
        var (withLive, readWithLive, deletedWithLive) = await SweepCostAsync(expired: 250, live: 2500);

        Assert.Equal(250, deletedWithoutLive);
        Assert.Equal(250, deletedWithLive);
        output.WriteLine($"storage requests of the run: {withoutLive} with no live items, {withLive} with 2,500 live items");
        output.WriteLine($"rows in the ranges the sweep queried: {readWithoutLive} with no live items, {readWithLive} with 2,500 live items");
        Assert.Equal(withoutLive, withLive);
        Assert.Equal(250, readWithoutLive);
        Assert.Equal(250, readWithLive);
    }

    private async Task<(int Requests, int RowsRead, int Deleted)> SweepCostAsync(int expired, int live)
    {
        var queries = new QueryRecorder("records");
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [queries] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        await SealAsync(client, key, expired, "PT1M");
        await SealAsync(client, key, live, "PT3M");
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var before = (await Rows.AllAsync(factory.Table("records"))).Select(r => r.PartitionKey).ToList();

        factory.StorageRequests.Reset();
        var report = await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(CancellationToken.None);
        var requests = factory.StorageRequests.Requests.Count;
        var rowsRead = queries.Filters.Sum(filter => before.Count(partitionKey => QueryRecorder.Reads(filter, partitionKey)));

        Assert.Equal(live, (await Rows.AllAsync(factory.Table("records"))).Count);
        return (requests, rowsRead, report.RecordsDeleted);
    }

    [Fact]
    public async Task A_swept_reference_answers_the_redacted_form_and_live_ones_still_decrypt()
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var shortLived = (await client.EncryptAsync(App, key, new { value = "short", ttl = "PT5M" }))["ref"]!.GetValue<string>();
        var longLived = (await client.EncryptAsync(App, key, new { value = "long", ttl = "P2D" }))["ref"]!.GetValue<string>();
        factory.Clock.Advance(TimeSpan.FromHours(1));

        var (status, report, _) = await client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, report!["recordsDeleted"]!.GetValue<int>());
        Assert.Equal(0, report["appsFailed"]!.GetValue<int>());
        Assert.Empty(report["failures"]!.AsArray());
        var swept = await client.DecryptAsync(App, key, new { @ref = shortLived });
        Assert.True(swept["expired"]!.GetValue<bool>());
        Assert.Equal("★★★★★", swept["value"]!.GetValue<string>());
        Assert.Equal("long", (await client.DecryptAsync(App, key, new { @ref = longLived }))["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_hosts_running_the_job_at_once_do_everything_exactly_once()
    {
        await using var first = new ShroudFactory(azurite);
        await using var second = first.Sibling();
        var client = new ShroudClient(first.CreateClient());
        var apps = new[] { "race-a", "race-b", "race-c" };
        foreach (var app in apps)
        {
            var key = await client.CreateAppWithKeyAsync(app, "encrypt");
            await SealAsync(client, app, key, 150, "PT1M");
        }

        first.Clock.Advance(TimeSpan.FromDays(1));
        var reports = await Task.WhenAll(
            first.Services.GetRequiredService<MaintenanceJob>().RunAsync(CancellationToken.None),
            second.Services.GetRequiredService<MaintenanceJob>().RunAsync(CancellationToken.None));

        Assert.All(reports, r => Assert.Empty(r.Failures));
        Assert.Equal(450, reports.Sum(r => r.RecordsDeleted));
        Assert.Equal(3, reports.Sum(r => r.KeksRotated));
        Assert.Empty(await Rows.AllAsync(first.Table("records")));
        foreach (var app in apps)
        {
            Assert.Equal(2, (await Rows.AllAsync(first.Table("apps"), $"PartitionKey eq '{app}' and RowKey ge 'kek-' and RowKey lt 'kek.'")).Count);
        }
    }

    [Fact]
    public async Task One_failing_app_is_reported_and_the_others_are_still_maintained()
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        await client.CreateAppWithKeyAsync("healthy-app", "encrypt");
        await client.CreateAppWithKeyAsync("broken-app", "encrypt");
        var broken = Assert.Single(await Rows.AllAsync(factory.Table("apps"), "PartitionKey eq 'broken-app' and RowKey eq 'kek-0000000001'"));
        broken["RootKeyId"] = "gone";
        await factory.Table("apps").UpdateEntityAsync(broken, broken.ETag);
        factory.Clock.Advance(TimeSpan.FromDays(1));

        var report = await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(CancellationToken.None);

        Assert.Equal(1, report.AppsFailed);
        var failure = Assert.Single(report.Failures);
        Assert.Equal("broken-app", failure.Scope);
        Assert.Contains("'gone'", failure.Error);
        Assert.Equal(1, report.KeksRotated);
    }

    public static TheoryData<int, bool> InterruptionPoints()
    {
        var points = new TheoryData<int, bool>();
        // The run below makes 8 storage requests: list apps; list KEKs and rotate; list KEKs and destroy one;
        // one query of the expired partitions and two deletes (100 + 50 rows).
        for (var request = 1; request <= 8; request++)
        {
            points.Add(request, false);
            points.Add(request, true);
        }

        return points;
    }

    [Theory]
    [MemberData(nameof(InterruptionPoints))]
    public async Task A_run_stopped_at_any_storage_request_is_completed_by_the_next_run(int stopAt, bool afterSending)
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "admin");
        await client.PostAsync($"/api/apps/{App}/kek/rotate", key, null);
        await SealAsync(client, key, 150, "PT1M");
        factory.Clock.Advance(TimeSpan.FromDays(8));
        var job = factory.Services.GetRequiredService<MaintenanceJob>();

        var stopping = factory.Faults.Arm(stopAt, afterSending);
        var interrupted = await Record.ExceptionAsync(() => job.RunAsync(stopping));
        factory.Faults.Disarm();
        var resumed = await job.RunAsync(CancellationToken.None);
        var again = await job.RunAsync(CancellationToken.None);

        Assert.IsAssignableFrom<OperationCanceledException>(interrupted);
        Assert.Empty(resumed.Failures);
        Assert.Empty(await Rows.AllAsync(factory.Table("records")));
        var keks = await Rows.AllAsync(factory.Table("apps"), $"PartitionKey eq '{App}' and RowKey ge 'kek-' and RowKey lt 'kek.'");
        // v1 retired 8 days ago is destroyed, v2 (due) retired but kept, v3 active: nothing lost, nothing doubled.
        Assert.Equal(["kek-0000000002", "kek-0000000003"], keks.Select(k => k.RowKey));
        Assert.Equal((0, 0, 0, 0), (again.KeksRotated, again.KeksDestroyed, again.RecordsDeleted, again.Failures.Count));
    }

    [Fact]
    public async Task The_local_host_maintains_keys_on_its_schedule()
    {
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { ["Maintenance:Schedule"] = "*/1 * * * * *" });
        var client = new ShroudClient(factory.CreateClient());
        await client.CreateAppWithKeyAsync(App, "encrypt");
        var keks = $"PartitionKey eq '{App}' and RowKey ge 'kek-' and RowKey lt 'kek.'";
        factory.Clock.Advance(TimeSpan.FromDays(1));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Rows.AllAsync(factory.Table("apps"), keks)).Count < 2 && DateTime.UtcNow < deadline)
        {
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(200);
        }

        Assert.Equal(2, (await Rows.AllAsync(factory.Table("apps"), keks)).Count);
    }

    [Fact]
    public async Task The_local_host_sweeps_on_the_sweep_schedule_within_60_seconds_of_expiry()
    {
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { ["Maintenance:SweepSchedule"] = "*/1 * * * * *" });
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt");
        await SealAsync(client, key, 3, "PT30S");
        // The clock stands still 60 s after the expiry: only sweeps at that moment can delete the rows.
        factory.Clock.Advance(TimeSpan.FromSeconds(90));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await Rows.AllAsync(factory.Table("records"))).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Empty(await Rows.AllAsync(factory.Table("records")));
    }

    private static Task SealAsync(ShroudClient client, string key, int count, string ttl) => SealAsync(client, App, key, count, ttl);

    private static async Task SealAsync(ShroudClient client, string appId, string key, int count, string ttl)
    {
        for (var done = 0; done < count; done += 100)
        {
            var items = Enumerable.Range(0, Math.Min(100, count - done)).Select(i => new { value = $"value {done + i}", ttl });
            await client.EncryptAsync(appId, key, new { items });
        }
    }
}
