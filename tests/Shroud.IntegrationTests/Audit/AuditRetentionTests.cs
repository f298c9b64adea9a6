using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Audit;
using Shroud.Core.Maintenance;
using Shroud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Shroud.IntegrationTests.Audit;

[Collection(AzuriteCollection.Name)]
public sealed class AuditRetentionTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string App = "retention-app";

    [Fact]
    public async Task The_sweep_deletes_records_older_than_the_retention_at_a_cost_that_follows_them_and_not_the_kept_ones()
    {
        var (withoutKept, deletedWithoutKept) = await SweepAsync(kept: 0);
        var (withKept, deletedWithKept) = await SweepAsync(kept: 1200);

        output.WriteLine($"storage requests of the sweep: {withoutKept} with no kept records, {withKept} with 1,200 kept records");
        Assert.Equal(150, deletedWithoutKept);
        Assert.Equal(150, deletedWithKept);
        Assert.Equal(withoutKept, withKept);
    }

    [Fact]
    public async Task Records_live_for_the_configured_retention_independent_of_data_ttls()
    {
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { ["Shroud:AuditRetention"] = "3.00:00:00" });
        var trail = factory.Services.GetRequiredService<AuditTrail>();
        await trail.WriteAsync(new AuditEntry(App, AuditActions.KeyCreate, AuditOutcomes.Succeeded, "k"));
        factory.Clock.Advance(TimeSpan.FromDays(2));
        await trail.WriteAsync(new AuditEntry(App, AuditActions.KeyRevoke, AuditOutcomes.Succeeded, "k"));
        factory.Clock.Advance(TimeSpan.FromDays(2));

        var report = await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Sweep, CancellationToken.None);

        Assert.Equal(1, report.AuditRecordsDeleted);
        var left = (await Rows.AuditRecordsAsync(factory.Table("audit"))).Select(r => r.Record.Action).ToList();
        Assert.Contains(AuditActions.KeyRevoke, left);
        Assert.DoesNotContain(AuditActions.KeyCreate, left);
    }

    private async Task<(int Requests, int Deleted)> SweepAsync(int kept)
    {
        await using var factory = new ShroudFactory(azurite);
        var trail = factory.Services.GetRequiredService<AuditTrail>();
        await WriteAsync(trail, 150);
        factory.Clock.Advance(TimeSpan.FromDays(91));
        await WriteAsync(trail, kept);

        factory.StorageRequests.Reset();
        var report = await factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Sweep, CancellationToken.None);
        var requests = factory.StorageRequests.Requests.Count;

        // The run's own record is written after the sweep.
        Assert.Equal(kept + 1, (await Rows.AuditRecordsAsync(factory.Table("audit"))).Count);
        return (requests, report.AuditRecordsDeleted);
    }

    private static async Task WriteAsync(AuditTrail trail, int count)
    {
        foreach (var chunk in Enumerable.Range(0, count).Chunk(50))
        {
            await Task.WhenAll(chunk.Select(_ => trail.WriteAsync(new AuditEntry(App, AuditActions.ValueDecrypt, AuditOutcomes.Succeeded, "k"))));
        }
    }
}
