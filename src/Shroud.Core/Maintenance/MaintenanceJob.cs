using Azure;
using Microsoft.Extensions.Logging;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Deliveries;
using Shroud.Core.Conversations;
using Shroud.Core.Records;

namespace Shroud.Core.Maintenance;

/// <summary>A part of the run that failed: an app id, or <c>records</c>, <c>conversations</c>, <c>deliveries</c> or <c>audit</c> for the sweep.</summary>
public sealed record MaintenanceFailure(string Scope, string Error);

/// <summary>What one maintenance run did.</summary>
public sealed record MaintenanceReport(
    int KeksRotated,
    int KeksDestroyed,
    int KeksRewrapped,
    int RecordsDeleted,
    int AuditRecordsDeleted,
    int AppsFailed,
    IReadOnlyList<MaintenanceFailure> Failures,
    int ConversationsDeleted,
    int DeliveriesDeleted = 0);

/// <summary>The parts of a maintenance run: the KEK work on the daily schedule, the sweep on its own, both on demand.</summary>
[Flags]
public enum MaintenanceTasks
{
    /// <summary>Rotate, destroy and re-wrap every app's KEKs.</summary>
    Keys = 1,

    /// <summary>Delete the expired records and their media blobs, the expired conversation states, the deliveries past retention and the audit records past retention.</summary>
    Sweep = 2,

    All = Keys | Sweep,
}

/// <summary>
/// The maintenance job: for every app, rotates a KEK that has served its period, destroys KEKs past retention and
/// re-wraps KEKs under the active root key; then deletes expired records. An app's channel secrets are re-sealed under
/// its active KEK before its KEKs are maintained, and a failure to do so skips the app, so no version is destroyed
/// while a channel secret still needs it. Every step is conditional or idempotent, so
/// the job can stop anywhere, run again, or run on two hosts at once. One app's failure is reported, not fatal.
/// </summary>
public sealed class MaintenanceJob(
    IAppStore apps,
    AppDirectory keys,
    IChannelStore channels,
    ChannelSecrets channelSecrets,
    IRecordStore records,
    IConversationStore conversations,
    IDeliveryStore deliveries,
    AuditTrail audit,
    TimeProvider clock,
    ILogger<MaintenanceJob> logger)
{
    public const string RecordsScope = "records";
    public const string ConversationsScope = "conversations";
    public const string DeliveriesScope = "deliveries";
    public const string AuditScope = "audit";

    /// <summary>The key id audit records name for runs started by a schedule rather than a caller.</summary>
    public const string ScheduleKeyId = "schedule";

    /// <summary>Runs every task, as <c>POST /api/maintenance/run</c> does.</summary>
    public Task<MaintenanceReport> RunAsync(CancellationToken cancellationToken) => RunAsync(MaintenanceTasks.All, ScheduleKeyId, cancellationToken);

    /// <summary>Runs <paramref name="tasks"/> on a schedule.</summary>
    public Task<MaintenanceReport> RunAsync(MaintenanceTasks tasks, CancellationToken cancellationToken) => RunAsync(tasks, ScheduleKeyId, cancellationToken);

    /// <summary>
    /// Runs <paramref name="tasks"/> for the caller <paramref name="keyId"/>; each app whose KEKs it changed or failed to maintain gets an audit record, and the
    /// run one in the deployment stream.
    /// </summary>
    public async Task<MaintenanceReport> RunAsync(MaintenanceTasks tasks, string keyId, CancellationToken cancellationToken)
    {
        int rotated = 0, destroyed = 0, rewrapped = 0, deleted = 0, conversationsDeleted = 0, deliveriesDeleted = 0, auditDeleted = 0;
        var failures = new List<MaintenanceFailure>();
        IReadOnlyList<string> appIds = tasks.HasFlag(MaintenanceTasks.Keys) ? await apps.ListAppIdsAsync(cancellationToken) : [];
        foreach (var appId in appIds)
        {
            try
            {
                await ResealChannelsAsync(appId, cancellationToken);
                var done = await keys.MaintainAsync(appId, cancellationToken);
                rotated += done.Rotated;
                destroyed += done.Destroyed;
                rewrapped += done.Rewrapped;
                if (done.Rotated + done.Destroyed + done.Rewrapped > 0)
                {
                    await audit.WriteAsync(new AuditEntry(appId, AuditActions.MaintenanceKeys, AuditOutcomes.Succeeded, keyId, Counts: new Dictionary<string, int>
                    {
                        [AuditCounts.Rotated] = done.Rotated,
                        [AuditCounts.Destroyed] = done.Destroyed,
                        [AuditCounts.Rewrapped] = done.Rewrapped,
                    }));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new MaintenanceFailure(appId, Describe(e)));
                await TryAuditAsync(new AuditEntry(appId, AuditActions.MaintenanceKeys, AuditOutcomes.Failed, keyId), failures);
            }
        }

        if (tasks.HasFlag(MaintenanceTasks.Sweep))
        {
            try
            {
                deleted = await records.SweepAsync(clock.GetUtcNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new MaintenanceFailure(RecordsScope, Describe(e)));
            }

            try
            {
                conversationsDeleted = await conversations.SweepAsync(clock.GetUtcNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new MaintenanceFailure(ConversationsScope, Describe(e)));
            }

            try
            {
                deliveriesDeleted = await deliveries.SweepAsync(clock.GetUtcNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new MaintenanceFailure(DeliveriesScope, Describe(e)));
            }

            try
            {
                auditDeleted = await audit.SweepAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add(new MaintenanceFailure(AuditScope, Describe(e)));
            }
        }

        var appsFailed = failures.Count(f => f.Scope is not (RecordsScope or ConversationsScope or DeliveriesScope or AuditScope));
        await TryAuditAsync(
            new AuditEntry(null, AuditActions.MaintenanceRun, failures.Count == 0 ? AuditOutcomes.Succeeded : AuditOutcomes.Failed, keyId, tasks.ToString(), Counts: new Dictionary<string, int>
            {
                [AuditCounts.Rotated] = rotated,
                [AuditCounts.Destroyed] = destroyed,
                [AuditCounts.Rewrapped] = rewrapped,
                [AuditCounts.RecordsDeleted] = deleted,
                [AuditCounts.ConversationsDeleted] = conversationsDeleted,
                [AuditCounts.DeliveriesDeleted] = deliveriesDeleted,
                [AuditCounts.AuditRecordsDeleted] = auditDeleted,
                [AuditCounts.AppsFailed] = appsFailed,
            }),
            failures);
        var report = new MaintenanceReport(rotated, destroyed, rewrapped, deleted, auditDeleted, appsFailed, failures, conversationsDeleted, deliveriesDeleted);
        foreach (var failure in failures)
        {
            logger.LogWarning("Maintenance failed for {Scope}: {Error}", failure.Scope, failure.Error);
        }

        logger.LogInformation(
            "Maintenance finished ({MaintenanceTasks}): {KeksRotated} KEKs rotated, {KeksDestroyed} destroyed, {KeksRewrapped} re-wrapped, {RecordsDeleted} records deleted, {ConversationsDeleted} conversations deleted, {DeliveriesDeleted} deliveries deleted, {AuditRecordsDeleted} audit records deleted, {AppsFailed} apps failed",
            tasks, report.KeksRotated, report.KeksDestroyed, report.KeksRewrapped, report.RecordsDeleted, report.ConversationsDeleted, report.DeliveriesDeleted, report.AuditRecordsDeleted, report.AppsFailed);
        return report;
    }

    // The run goes on when its audit record cannot be stored: the work is done, and the failure is in its report.
    private async Task TryAuditAsync(AuditEntry entry, List<MaintenanceFailure> failures)
    {
        try
        {
            await audit.WriteAsync(entry);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failures.Add(new MaintenanceFailure(AuditScope, Describe(e)));
        }
    }

    // A channel changed meanwhile was sealed under the active version by that change, or is re-sealed on the next run:
    // a version is retained for at least the maximum TTL, far longer than the time between runs.
    private async Task ResealChannelsAsync(string appId, CancellationToken cancellationToken)
    {
        foreach (var channel in await channels.ListAsync(appId, cancellationToken))
        {
            if (await channelSecrets.ResealAsync(appId, channel, cancellationToken) is { } resealed)
            {
                try
                {
                    await channels.ReplaceAsync(appId, resealed, channel.ETag, cancellationToken);
                }
                catch (ShroudException e) when (e.Error == ShroudError.PreconditionFailed || e.Error == ShroudError.ChannelNotFound)
                {
                    logger.LogInformation("Channel {AppId}/{ChannelId} changed while it was re-sealed", appId, channel.Id);
                }
            }
        }
    }

    // Storage failures are described by status and error code alone: the SDK's message repeats the whole response.
    // The messages of the other types named here carry ids and statuses only, never content.
    private static string Describe(Exception e) => e switch
    {
        RequestFailedException r => $"Storage answered {r.Status} {r.ErrorCode}".TrimEnd(),
        InvalidOperationException or ShroudException => e.Message,
        _ => e.GetType().Name,
    };
}
