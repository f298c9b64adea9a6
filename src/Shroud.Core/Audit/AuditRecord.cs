namespace Shroud.Core.Audit;

/// <summary>The stable action names of audit records (listed in the README).</summary>
public static class AuditActions
{
    public const string ValueDecrypt = "value.decrypt";
    public const string EventsReveal = "events.reveal";
    public const string MediaReveal = "media.reveal";
    public const string ChannelSend = "channel.send";
    public const string ChannelMediaFetch = "channel.media.fetch";
    public const string AppCreate = "app.create";
    public const string AppUpdate = "app.update";
    public const string KeyCreate = "key.create";
    public const string KeyRevoke = "key.revoke";
    public const string KekRotate = "kek.rotate";
    public const string ConfigurationCreate = "configuration.create";
    public const string ConfigurationReplace = "configuration.replace";
    public const string ConfigurationPatch = "configuration.patch";
    public const string ConfigurationDelete = "configuration.delete";
    public const string ChannelCreate = "channel.create";
    public const string ChannelReplace = "channel.replace";
    public const string ChannelPatch = "channel.patch";
    public const string ChannelDelete = "channel.delete";
    public const string DeliveryRetry = "delivery.retry";
    public const string ConversationEncryptionStart = "conversation.encryption.start";
    public const string ConversationEncryptionEnd = "conversation.encryption.end";
    public const string MaintenanceKeys = "maintenance.keys";
    public const string MaintenanceRun = "maintenance.run";
    public const string AccessDenied = "access.denied";
}

/// <summary>Outcomes: <c>succeeded</c>, <c>failed</c> (a maintenance step), or the refusal's error code.</summary>
public static class AuditOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>Names of the counts an audit record may carry.</summary>
public static class AuditCounts
{
    public const string Revealed = "revealed";
    public const string Expired = "expired";
    public const string Withheld = "withheld";
    public const string Rotated = "keksRotated";
    public const string Destroyed = "keksDestroyed";
    public const string Rewrapped = "keksRewrapped";
    public const string RecordsDeleted = "recordsDeleted";
    public const string ConversationsDeleted = "conversationsDeleted";
    public const string DeliveriesDeleted = "deliveriesDeleted";
    public const string AuditRecordsDeleted = "auditRecordsDeleted";
    public const string AppsFailed = "appsFailed";
}

/// <summary>
/// What happened, as a caller of <see cref="AuditTrail"/> states it. <paramref name="AppId"/> null means the deployment
/// stream; <paramref name="Target"/> is the id acted on (a key, configuration, conversation or app id), never a secret.
/// </summary>
public sealed record AuditEntry(
    string? AppId,
    string Action,
    string Outcome,
    string? KeyId,
    string? Target = null,
    IReadOnlyList<string>? RefIds = null,
    IReadOnlyDictionary<string, int>? Counts = null);

/// <summary>
/// One stored audit record: the entry, when and in which trace it happened, who wrote it (writer id and that writer's
/// sequence number in this stream) and its MAC under the stream's key derived from root key <see cref="RootKeyId"/>.
/// </summary>
public sealed record AuditRecord(
    string Stream,
    DateTimeOffset Time,
    string Action,
    string Outcome,
    string? KeyId,
    string? Target,
    IReadOnlyList<string> RefIds,
    IReadOnlyDictionary<string, int> Counts,
    string? TraceId,
    string WriterId,
    long Sequence,
    string RootKeyId,
    byte[] Mac)
{
    /// <summary>The app id, or null for a record of the deployment stream.</summary>
    public string? AppId => Stream == AuditTrail.DeploymentStream ? null : Stream;
}

/// <summary>
/// A query of one stream between two instants, newest first; <paramref name="ContinuationToken"/> is what the previous
/// page returned.
/// </summary>
public sealed record AuditQuery(string Stream, DateTimeOffset From, DateTimeOffset To, string? Action, string? KeyId, int PageSize, string? ContinuationToken);

/// <summary>One page of records, and the token for the next one (null when there is none).</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Items, string? ContinuationToken);

/// <summary>The audit records: one insert per batch of records, day-partitioned queries of one stream, a sweep of old days.</summary>
public interface IAuditStore
{
    /// <summary>
    /// Stores the records of one stream that share one time (1 to <see cref="AuditTrail.MaxRecordsPerInsert"/>), all or
    /// none, with one storage request.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// One page of <paramref name="query"/>; an unreadable continuation token is a
    /// <see cref="ShroudError.ValidationFailed"/> on <c>continuationToken</c>.
    /// </summary>
    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Deletes every record of a day before <paramref name="cutoff"/>'s day; returns how many it deleted.</summary>
    Task<int> SweepAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
