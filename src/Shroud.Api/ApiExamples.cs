using System.Text.Json.Nodes;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>
/// Examples of the main bodies for the OpenAPI document, written from the contract types themselves so that a renamed
/// field changes its example too (and a test binds each one back to its type as strictly as a request is read).
/// </summary>
public static class ApiExamples
{
    private static readonly DateTimeOffset Time = new(2026, 11, 21, 16, 0, 0, TimeSpan.Zero);
    private const string Reference = "shr1.5FccVhj6DPmjY8qdAAAB…";
    private const string Redaction = "★★★★★";

    /// <summary>Each documented type with its example.</summary>
    public static IReadOnlyDictionary<Type, object> All { get; } = new Dictionary<Type, object>
    {
        [typeof(CreateAppRequest)] = new CreateAppRequest("acme-support"),
        [typeof(AppResponse)] = new AppResponse("acme-support", Time, "575e8f9d788797bf", Redaction),
        [typeof(CreateKeyRequest)] = new CreateKeyRequest("agent desk", ["decrypt"]),
        [typeof(CreatedKeyResponse)] = new CreatedKeyResponse("3f1c0123456789ab", "shk_3f1c0123456789ab…", "agent desk", ["decrypt"], Time),
        [typeof(KeyResponse)] = new KeyResponse("3f1c0123456789ab", "agent desk", ["decrypt"], Time, null),
        [typeof(EncryptRequest)] = new EncryptRequest("jane@example.com", "PT1H", null),
        [typeof(EncryptResponse)] = new EncryptResponse(Reference, Time, Redaction),
        [typeof(DecryptRequest)] = new DecryptRequest(Reference, null),
        [typeof(DecryptResponse)] = new DecryptResponse("jane@example.com", false, Time),
        [typeof(KekResponse)] = new KekResponse(2, true, "dev", Time, null, null),
        [typeof(ConfigurationRequest)] = new ConfigurationRequest("Support", true, false, false, true, true, true, ["email"], "PT12H"),
        [typeof(ConfigurationResponse)] = new ConfigurationResponse("575e8f9d788797bf", "Support", true, false, false, true, true, true, ["email"], "PT12H"),
        [typeof(ChannelRequest)] = new ChannelRequest(
            "whatsapp", "WhatsApp support", new Dictionary<string, string?> { ["appSecret"] = "…", ["verifyToken"] = "…", ["accessToken"] = "…", ["phoneNumberId"] = "…" },
            "https://bot.example.com/whatsapp", null, null, true),
        [typeof(ChannelResponse)] = new ChannelResponse(
            "9f0c0123456789ab", "whatsapp", "WhatsApp support", "/api/apps/acme-support/channels/9f0c0123456789ab/webhook", "https://bot.example.com/whatsapp",
            null, null, true, ["accessToken", "appSecret", "phoneNumberId", "verifyToken"], Time),
        [typeof(ChannelMessageResponse)] = new ChannelMessageResponse(200, "wamid.HBgLMTU1NTAxMDAxMjM"),
        [typeof(ConversationEncryptionRequest)] = new ConversationEncryptionRequest("575e8f9d788797bf"),
        [typeof(ConversationEncryptionResponse)] = new ConversationEncryptionResponse("conv-1001", true, "575e8f9d788797bf", Time),
        [typeof(MediaResponse)] = new MediaResponse(Reference, Time, 4096, "image/jpeg"),
        [typeof(AuditRecordResponse)] = new AuditRecordResponse(
            Time, "acme-support", "value.decrypt", "succeeded", "3f1c0123456789ab", null, ["5FccVhj6DPmjY8qd"],
            new Dictionary<string, int> { ["revealed"] = 1, ["expired"] = 0 }, "0af7651916cd43dd8448eb211c80319c", "w-1", 42),
        [typeof(AuditVerificationResponse)] = new AuditVerificationResponse(Time.AddDays(-1), Time, 1234, 3, true, []),
        [typeof(HealthResponse)] = new HealthResponse("healthy"),
    };

    private static readonly Dictionary<Type, JsonNode> Nodes = All.ToDictionary(e => e.Key, e => ShroudJson.ToNode(e.Value)!);

    /// <summary>The example of <paramref name="type"/> as JSON, or null when it has none.</summary>
    public static JsonNode? For(Type type) => Nodes.TryGetValue(type, out var node) ? node.DeepClone() : null;

    /// <summary>A typical <c>detail</c> for a problem example.</summary>
    public static string ProblemDetail(ShroudError error) => error.Code switch
    {
        "validation_failed" => "ttl: must be an ISO-8601 duration such as PT1H.",
        "storage_unavailable" => "Storage did not answer; try again.",
        _ => error.Title,
    };
}
