using System.Text.Json.Serialization;

namespace Shroud.Client;

/// <summary>A sealed value: the reference to store in its place, when it expires, and the app's redaction text.</summary>
public sealed record EncryptedValue(string Ref, DateTimeOffset ExpiresAt, string Redacted);

/// <summary>One value of an encrypt batch, with its own TTL (the app's default when null).</summary>
public sealed record EncryptItem(string Value, TimeSpan? Ttl = null);

/// <summary>A revealed value: the plaintext, or the redaction text with <see cref="Expired"/> set once the TTL has passed.</summary>
public sealed record DecryptedValue(string Value, bool Expired, DateTimeOffset? ExpiresAt);

/// <summary>A sealed file.</summary>
public sealed record SealedMedia(string Ref, DateTimeOffset ExpiresAt, long Size, string ContentType);

/// <summary>The app's settings, with the ETag to send back when changing them.</summary>
public sealed record AppSettings(string Id, DateTimeOffset CreatedAt, string? DefaultConfigurationId, string RedactionText)
{
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>What an encryption configuration says; fields left out take their defaults (false, no variables, the app's default TTL).</summary>
public sealed record ConfigurationSettings(
    string Name,
    bool EncryptUserMessages = false,
    bool EncryptBotMessages = false,
    bool EncryptAgentMessages = false,
    bool Transport = false,
    bool Transcript = false,
    bool EncryptMedia = false,
    IReadOnlyList<string>? SensitiveVariables = null,
    TimeSpan? Ttl = null);

/// <summary>A stored encryption configuration; <see cref="ETag"/> is set when it was read alone (not in a list).</summary>
public sealed record Configuration(
    string Id,
    string Name,
    bool EncryptUserMessages,
    bool EncryptBotMessages,
    bool EncryptAgentMessages,
    bool Transport,
    bool Transcript,
    bool EncryptMedia,
    IReadOnlyList<string> SensitiveVariables,
    TimeSpan? Ttl)
{
    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>These settings, to change and send back with <see cref="ShroudClient.ReplaceConfigurationAsync"/>.</summary>
    public ConfigurationSettings ToSettings() => new(
        Name, EncryptUserMessages, EncryptBotMessages, EncryptAgentMessages, Transport, Transcript, EncryptMedia, SensitiveVariables, Ttl);
}

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKey(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A key just created, with its secret <see cref="Key"/>: shown this once.</summary>
public sealed record CreatedApiKey(string Id, string Key, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt)
{
    /// <summary>Leaves the secret out, should the record be logged.</summary>
    public override string ToString() => $"CreatedApiKey {{ Id = {Id}, Name = {Name}, Permissions = [{string.Join(", ", Permissions)}] }}";
}

/// <summary>An app KEK version (never key material).</summary>
public sealed record AppKek(int Version, bool Active, string RootKeyId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? DestroyAt);

/// <summary>What a channel is: its type's secrets are all required on create and replace.</summary>
public sealed record ChannelSettings(
    string Type,
    string Name,
    string ForwardUrl,
    IReadOnlyDictionary<string, string>? Secrets = null,
    string? PublicUrl = null,
    string? ApiBaseUrl = null)
{
    /// <summary>Leaves the secrets out, should the record be logged.</summary>
    public override string ToString() => $"ChannelSettings {{ Type = {Type}, Name = {Name}, ForwardUrl = {ForwardUrl} }}";
}

/// <summary>A channel: which secrets are set, never their values.</summary>
public sealed record Channel(
    string Id,
    string Type,
    string Name,
    string WebhookPath,
    string ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset CreatedAt)
{
    [JsonIgnore]
    public string? ETag { get; init; }
}

/// <summary>A channel just created, with the secret Shroud signs its deliveries with: shown this once.</summary>
public sealed record CreatedChannel(
    string Id,
    string Type,
    string Name,
    string WebhookPath,
    string ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset CreatedAt,
    string ForwardSecret)
{
    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>Leaves the secret out, should the record be logged.</summary>
    public override string ToString() => $"CreatedChannel {{ Id = {Id}, Type = {Type}, Name = {Name} }}";
}

/// <summary>Which audit records to read; the service's defaults (the last day, 100 a page) where null.</summary>
public sealed record AuditQuery(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Action = null,
    string? KeyId = null,
    int? PageSize = null,
    string? ContinuationToken = null);

public sealed record AuditRecord(
    DateTimeOffset Time,
    string? AppId,
    string Action,
    string Outcome,
    string? KeyId,
    string? Target,
    IReadOnlyList<string> RefIds,
    IReadOnlyDictionary<string, int> Counts,
    string? TraceId,
    string WriterId,
    long Sequence);

/// <summary>One page of audit records; pass <see cref="ContinuationToken"/> back for the next until it is null.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Items, string? ContinuationToken);

public sealed record AuditFinding(string Kind, string WriterId, long FromSequence, long ToSequence, DateTimeOffset? Time);

/// <summary>The result of verifying the app's audit records over a range.</summary>
public sealed record AuditVerification(DateTimeOffset From, DateTimeOffset To, int Records, int Writers, bool Clean, IReadOnlyList<AuditFinding> Findings);

/// <summary>The service's list answers: <c>{ "items": [...] }</c>.</summary>
internal sealed record ItemList<T>(IReadOnlyList<T> Items);
