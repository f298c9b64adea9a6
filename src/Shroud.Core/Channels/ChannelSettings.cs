namespace Shroud.Core.Channels;

/// <summary>The chat channels whose webhooks Shroud verifies.</summary>
public enum ChannelKind
{
    Slack,
    WhatsApp,
    Telegram,
    Twilio,
    BotFramework,
}

/// <summary>The names under which a channel's secrets are kept, as each channel calls them.</summary>
public static class ChannelSecretNames
{
    public const string SlackSigningSecret = "signingSecret";
    public const string WhatsAppAppSecret = "appSecret";
    public const string WhatsAppVerifyToken = "verifyToken";
    public const string TelegramSecretToken = "secretToken";
    public const string TwilioAuthToken = "authToken";
    public const string BotFrameworkAppId = "appId";

    // Sending through the channel's API (optional secrets).
    public const string SlackBotToken = "botToken";
    public const string WhatsAppAccessToken = "accessToken";
    public const string WhatsAppPhoneNumberId = "phoneNumberId";
    public const string TelegramBotToken = "botToken";
    public const string TwilioAccountSid = "accountSid";
    public const string BotFrameworkAppPassword = "appPassword";
}

/// <summary>
/// What verifying one channel's webhooks needs: its secrets by <see cref="ChannelSecretNames"/>, the public URL the
/// channel calls (Twilio signs it) and an optional base URL replacing the channel's own API or OpenID metadata host
/// (tests, sovereign clouds).
/// </summary>
public sealed record ChannelSettings(ChannelKind Kind, IReadOnlyDictionary<string, string> Secrets, string? PublicUrl = null, string? ApiBaseUrl = null)
{
    /// <summary>The secret, or null when the channel has none of that name (an empty secret counts as none).</summary>
    public string? Secret(string name) => Secrets.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
