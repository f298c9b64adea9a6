using System.Security.Cryptography;
using Azure;

namespace Shroud.Core.Channels;

/// <summary>
/// A chat channel of an app: where its webhooks come from (<paramref name="Type"/>), where Shroud forwards them, and its
/// secrets, each sealed under the app KEK version <paramref name="KekVersion"/> (see <see cref="ChannelSecrets"/>).
/// <paramref name="SealedSecrets"/> holds the type's secrets and the forward secret by name. <paramref name="RevealOnSend"/>
/// says whether sends through the channel carry plaintext (true) or the redaction text in place of every reference.
/// </summary>
public sealed record Channel(
    string Id,
    string Type,
    string Name,
    string ForwardUrl,
    string? PublicUrl,
    string? ApiBaseUrl,
    int KekVersion,
    IReadOnlyDictionary<string, byte[]> SealedSecrets,
    DateTimeOffset CreatedAt,
    ETag ETag = default,
    bool RevealOnSend = true);

/// <summary>
/// The channel types Shroud knows, the secrets each needs to verify its webhooks (required) and those it needs to send
/// through the channel's API (optional: a channel may be inbound only).
/// </summary>
public static class ChannelTypes
{
    /// <summary>The type names → the names of the secrets that verify its webhooks, all required.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> SecretNames = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["slack"] = ["signingSecret"],
        ["whatsapp"] = ["appSecret", "verifyToken"],
        ["telegram"] = ["secretToken"],
        ["twilio"] = ["authToken"],
        ["botframework"] = ["appId"],
    };

    /// <summary>The type names → the names of the secrets that sending through its API needs, each optional when saved.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> SendSecretNames = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["slack"] = [ChannelSecretNames.SlackBotToken],
        ["whatsapp"] = [ChannelSecretNames.WhatsAppAccessToken, ChannelSecretNames.WhatsAppPhoneNumberId],
        ["telegram"] = [ChannelSecretNames.TelegramBotToken],
        ["twilio"] = [ChannelSecretNames.TwilioAccountSid],
        ["botframework"] = [ChannelSecretNames.BotFrameworkAppPassword],
    };

    /// <summary>The kind of a known type name.</summary>
    public static ChannelKind KindOf(string type) => type switch
    {
        "slack" => ChannelKind.Slack,
        "whatsapp" => ChannelKind.WhatsApp,
        "telegram" => ChannelKind.Telegram,
        "twilio" => ChannelKind.Twilio,
        "botframework" => ChannelKind.BotFramework,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a channel type."),
    };
}

/// <summary>Channel ids: 16 lower-case hex digits, drawn at random.</summary>
public static class ChannelIds
{
    public static bool IsValid(string id) => id.Length == 16 && id.All(char.IsAsciiHexDigitLower);

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}

/// <summary>The channels of each app; changes guarded by ETags.</summary>
public interface IChannelStore
{
    Task<Channel> CreateAsync(string appId, Channel channel, CancellationToken cancellationToken);

    Task<Channel?> GetAsync(string appId, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<Channel>> ListAsync(string appId, CancellationToken cancellationToken);

    /// <summary>Replaces a channel if it still has <paramref name="ifMatch"/> (any version when null); <see cref="ShroudError.PreconditionFailed"/> otherwise.</summary>
    Task<Channel> ReplaceAsync(string appId, Channel updated, ETag? ifMatch, CancellationToken cancellationToken);

    Task DeleteAsync(string appId, string id, ETag? ifMatch, CancellationToken cancellationToken);
}
