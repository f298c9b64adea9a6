namespace Shroud.Api;

// Request bodies: every property is nullable so that a missing field gets a clear "is required" problem.
public sealed record CreateAppRequest(string? Id);

public sealed record CreateKeyRequest(string? Name, IReadOnlyList<string?>? Permissions);

public sealed record EncryptItemRequest(string? Value, string? Ttl);

public sealed record EncryptRequest(string? Value, string? Ttl, IReadOnlyList<EncryptItemRequest?>? Items);

public sealed record DecryptRequest(string? Ref, IReadOnlyList<string?>? Refs);

public sealed record ConfigurationRequest(
    string? Name,
    bool? EncryptUserMessages,
    bool? EncryptBotMessages,
    bool? EncryptAgentMessages,
    bool? Transport,
    bool? Transcript,
    bool? EncryptMedia,
    IReadOnlyList<string?>? SensitiveVariables,
    string? Ttl);

public sealed record ChannelRequest(
    string? Type,
    string? Name,
    IReadOnlyDictionary<string, string?>? Secrets,
    string? ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    bool? RevealOnSend = null);

// JsonElement (not nullable) tells an absent field (Undefined) from an explicit null.
public sealed record AppPatchRequest(System.Text.Json.JsonElement DefaultConfigurationId, System.Text.Json.JsonElement RedactionText);

/// <summary>What <see cref="AppPatchRequest"/> takes, as the OpenAPI document shows it: each field optional, null for its default.</summary>
public sealed record AppSettingsPatch(string? DefaultConfigurationId, string? RedactionText);

public sealed record ConversationEncryptionRequest(string? ConfigurationId);

// Responses.
public sealed record HealthResponse(string Status);

public sealed record AppResponse(string Id, DateTimeOffset CreatedAt, string? DefaultConfigurationId, string RedactionText);

public sealed record AppListItem(string Id, DateTimeOffset CreatedAt);

public sealed record AppListResponse(IReadOnlyList<AppListItem> Items, string? ContinuationToken);

public sealed record ConfigurationResponse(
    string Id,
    string Name,
    bool EncryptUserMessages,
    bool EncryptBotMessages,
    bool EncryptAgentMessages,
    bool Transport,
    bool Transcript,
    bool EncryptMedia,
    IReadOnlyList<string> SensitiveVariables,
    string? Ttl);

/// <summary>A channel as a GET shows it: which secrets are set, never their values.</summary>
public sealed record ChannelResponse(
    string Id,
    string Type,
    string Name,
    string WebhookPath,
    string ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    bool RevealOnSend,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset CreatedAt);

/// <summary>A channel just created, with the secret Shroud signs its deliveries with, shown this once.</summary>
public sealed record CreatedChannelResponse(
    string Id,
    string Type,
    string Name,
    string WebhookPath,
    string ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    bool RevealOnSend,
    IReadOnlyList<string> SecretsSet,
    DateTimeOffset CreatedAt,
    string ForwardSecret);

/// <summary>
/// What a send through a channel answers: the channel's HTTP status and the id it gave the message, nothing of the
/// message itself (the channel's answer may echo the revealed text).
/// </summary>
public sealed record ChannelMessageResponse(int Status, string? MessageId);

public sealed record ConversationEncryptionResponse(string ConversationId, bool Encrypting, string? ConfigurationId, DateTimeOffset? StartedAt);

public sealed record CreatedKeyResponse(string Id, string Key, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt);

public sealed record KeyResponse(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record EncryptResponse(string Ref, DateTimeOffset ExpiresAt, string Redacted);

public sealed record DecryptResponse(string Value, bool Expired, DateTimeOffset? ExpiresAt);

public sealed record KekResponse(int Version, bool Active, string RootKeyId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? DestroyAt);

public sealed record MediaResponse(string Ref, DateTimeOffset ExpiresAt, long Size, string ContentType);

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);

public sealed record AuditRecordResponse(
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

public sealed record AuditPageResponse(IReadOnlyList<AuditRecordResponse> Items, string? ContinuationToken);

public sealed record AuditFindingResponse(string Kind, string WriterId, long FromSequence, long ToSequence, DateTimeOffset? Time);

public sealed record AuditVerificationResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    int Records,
    int Writers,
    bool Clean,
    IReadOnlyList<AuditFindingResponse> Findings);

/// <summary>One delivery of a channel's webhook to the bot.</summary>
public sealed record DeliveryResponse(
    string DeliveryId, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, int? LastStatusCode, string? LastError);

public sealed record DeliveryPageResponse(IReadOnlyList<DeliveryResponse> Items, string? ContinuationToken);
