namespace Shroud.Api;

/// <summary>Every route of the API, relative to the <c>api</c> prefix; both hosts declare exactly these.</summary>
public static class Routes
{
    public const string Prefix = "api";
    public const string Health = "health";

    /// <summary>The OpenAPI document of these routes.</summary>
    public const string OpenApi = "openapi.json";
    public const string Apps = "apps";
    public const string App = "apps/{appId}";
    public const string AppKeys = "apps/{appId}/keys";
    public const string AppKey = "apps/{appId}/keys/{keyId}";
    public const string Encrypt = "apps/{appId}/encrypt";
    public const string Decrypt = "apps/{appId}/decrypt";
    public const string AppKek = "apps/{appId}/kek";
    public const string AppKekRotate = "apps/{appId}/kek/rotate";
    public const string MaintenanceRun = "maintenance/run";
    public const string Configurations = "apps/{appId}/configurations";
    public const string Configuration = "apps/{appId}/configurations/{configurationId}";
    public const string Channels = "apps/{appId}/channels";
    public const string Channel = "apps/{appId}/channels/{channelId}";

    /// <summary>Where a channel delivers its webhooks (POST; GET for WhatsApp's verification handshake).</summary>
    public const string ChannelWebhook = "apps/{appId}/channels/{channelId}/webhook";

    /// <summary>The outgoing edge: a bot's message sent through the channel's API, sealed values revealed toward the channel only.</summary>
    public const string ChannelMessages = "apps/{appId}/channels/{channelId}/messages";
    public const string ChannelDeliveries = "apps/{appId}/channels/{channelId}/deliveries";
    public const string ChannelDeliveryRetry = "apps/{appId}/channels/{channelId}/deliveries/{deliveryId}/retry";
    public const string ConversationEncryption = "apps/{appId}/conversations/{conversationId}/encryption";
    public const string Events = "apps/{appId}/events";
    public const string EventsReveal = "apps/{appId}/events/reveal";
    public const string Media = "apps/{appId}/media";
    public const string MediaReveal = "apps/{appId}/media/reveal";
    public const string AppAudit = "apps/{appId}/audit";
    public const string AppAuditVerify = "apps/{appId}/audit/verify";
    public const string Audit = "audit";

    /// <summary>The admin console's static files; an empty path is its index page.</summary>
    public const string Console = "console/{*path}";
}
