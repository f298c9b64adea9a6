using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// One channel type as a send test needs it: its secrets (verification and send), a send payload in its own shape
/// around one sealed text, the request its API expects, and its answers as its documentation shows them (the success
/// and the refusal each echo <see cref="Echo"/>, the message text, as channels do).
/// </summary>
public sealed record ChannelCase(
    string Type,
    Func<string, Dictionary<string, string>> Secrets,
    Func<string, JsonNode, JsonObject> Payload,
    string SendPath,
    string? Authorization,
    Func<string, (int Status, string Json)> Success,
    string MessageId,
    Func<string, (int Status, string Json)> Refusal,
    int RefusalStatus,
    string RefusalCode)
{
    public const string SlackBotToken = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy";
    public const string WhatsAppAccessToken = "EAAJB3x-wa-access-token-5c1e";
    public const string PhoneNumberId = "106540352242922";
    public const string TelegramBotToken = "123456789:AAF-telegram-bot-token_x9Q";
    public const string TwilioAccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string TwilioAuthToken = "twilio-auth-token-7d1f";
    public const string BotAppId = "2d5e7b9a-bot-app-id";
    public const string BotAppPassword = "bot-app-password-Qx7~";
    public const string BotAccessToken = "eyJ0eXAiOiJKV1Qi.bot-connector-access-token";
    public const string TokenPath = "/botframework.com/oauth2/v2.0/token";

    /// <summary>The secret strings that must never reach a log line or an answer.</summary>
    public static readonly string[] AllSecrets = [SlackBotToken, WhatsAppAccessToken, TelegramBotToken, TwilioAuthToken, BotAppPassword, BotAccessToken];

    public override string ToString() => Type;

    public static ChannelCase Slack { get; } = new(
        "slack",
        _ => new() { ["signingSecret"] = "slack-signing-secret", ["botToken"] = SlackBotToken },
        (_, text) => new JsonObject { ["channel"] = "C024BE91L", ["text"] = text },
        "/api/chat.postMessage",
        "Bearer " + SlackBotToken,
        echo => (200, $$$"""{"ok":true,"channel":"C024BE91L","ts":"1503435956.000247","message":{"text":{{{Quote(echo)}}},"type":"message"}}"""),
        "1503435956.000247",
        echo => (200, $$$"""{"ok":false,"error":"channel_not_found","warning":{{{Quote(echo)}}}}"""),
        200,
        "channel_not_found");

    public static ChannelCase WhatsApp { get; } = new(
        "whatsapp",
        _ => new() { ["appSecret"] = "wa-app-secret", ["verifyToken"] = "wa-verify-token", ["accessToken"] = WhatsAppAccessToken, ["phoneNumberId"] = PhoneNumberId },
        (_, text) => new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["to"] = "15551234567",
            ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = text },
        },
        $"/v23.0/{PhoneNumberId}/messages",
        "Bearer " + WhatsAppAccessToken,
        echo => (200, $$$"""{"messaging_product":"whatsapp","contacts":[{"input":"15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA","echo":{{{Quote(echo)}}}}]}"""),
        "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA",
        echo => (400, $$$"""{"error":{"message":{{{Quote("(#131030) Recipient phone number not in allowed list: " + echo)}}},"type":"OAuthException","code":131030,"error_data":{"messaging_product":"whatsapp"},"fbtrace_id":"AbCdEf"}}"""),
        400,
        "131030");

    public static ChannelCase Telegram { get; } = new(
        "telegram",
        _ => new() { ["secretToken"] = "telegram-secret-token", ["botToken"] = TelegramBotToken },
        (_, text) => new JsonObject { ["chat_id"] = 1234567, ["text"] = text },
        $"/bot{TelegramBotToken}/sendMessage",
        null,
        echo => (200, $$$"""{"ok":true,"result":{"message_id":4711,"chat":{"id":1234567,"type":"private"},"date":1733040000,"text":{{{Quote(echo)}}}}}"""),
        "4711",
        echo => (400, $$$"""{"ok":false,"error_code":400,"description":{{{Quote("Bad Request: chat not found for " + echo)}}}}"""),
        400,
        "400");

    public static ChannelCase Twilio { get; } = new(
        "twilio",
        _ => new() { ["authToken"] = TwilioAuthToken, ["accountSid"] = TwilioAccountSid },
        (_, text) => new JsonObject { ["To"] = "+15551234567", ["From"] = "+15557654321", ["Body"] = text },
        $"/2010-04-01/Accounts/{TwilioAccountSid}/Messages.json",
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TwilioAccountSid}:{TwilioAuthToken}")),
        echo => (201, $$$"""{"sid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","status":"queued","body":{{{Quote(echo)}}},"num_segments":"1"}"""),
        "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        echo => (400, $$$"""{"code":21211,"message":{{{Quote("Invalid 'To' Phone Number for " + echo)}}},"more_info":"https://www.twilio.com/docs/errors/21211","status":400}"""),
        400,
        "21211");

    public static ChannelCase BotFramework { get; } = new(
        "botframework",
        _ => new() { ["appId"] = BotAppId, ["appPassword"] = BotAppPassword },
        (baseUrl, text) => new JsonObject
        {
            ["type"] = "message",
            ["serviceUrl"] = baseUrl,
            ["conversation"] = new JsonObject { ["id"] = "a:1VwWkLx" },
            ["recipient"] = new JsonObject { ["id"] = "29:1user" },
            ["text"] = text,
        },
        "/v3/conversations/a:1VwWkLx/activities",
        "Bearer " + BotAccessToken,
        echo => (200, $$$"""{"id":"1481567603816","text":{{{Quote(echo)}}}}"""),
        "1481567603816",
        echo => (400, $$$"""{"error":{"code":"BadArgument","message":{{{Quote("Activity rejected: " + echo)}}}}}"""),
        400,
        "BadArgument");

    public static TheoryData<string> Types() => new() { "slack", "whatsapp", "telegram", "twilio", "botframework" };

    public static ChannelCase Of(string type) => type switch
    {
        "slack" => Slack,
        "whatsapp" => WhatsApp,
        "telegram" => Telegram,
        "twilio" => Twilio,
        "botframework" => BotFramework,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// The fake channel's answer: the Bot Framework token endpoint answers with a token, every other request with
    /// <paramref name="answer"/> for the text the request carried.
    /// </summary>
    public static Func<FakeChannelServer.Received, (int Status, string Json)> Answering(Func<string, (int Status, string Json)> answer) => received =>
        received.Path == TokenPath
            ? (200, $$$"""{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"{{{BotAccessToken}}}"}""")
            : answer(Text(received));

    /// <summary>The body as text a person would read: form bodies decoded, JSON as sent.</summary>
    public static string Text(FakeChannelServer.Received received) =>
        received.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) == true ? WebUtility.UrlDecode(received.Body) : received.Body;

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
