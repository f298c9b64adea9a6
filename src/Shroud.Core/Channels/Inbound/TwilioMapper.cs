using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Twilio messaging webhooks, forwarded as a JSON object of their form parameters (see <see cref="FormPayload"/>): the
/// idempotency key is <c>MessageSid</c> (or <c>SmsSid</c>) and the status (<c>MessageStatus</c>, else <c>SmsStatus</c>):
/// the status callbacks of one message (queued, sent, delivered, read) share its sid, and each is a call of its own. The
/// conversation is <c>From</c>, the author the user. Sealed (text): <c>Body</c>, <c>From</c>, <c>ProfileName</c>,
/// <c>WaId</c>, <c>FromCity</c>, <c>FromState</c>, <c>FromZip</c>, <c>Latitude</c>, <c>Longitude</c>, <c>Address</c>,
/// <c>Label</c>, <c>ButtonText</c>, <c>ButtonPayload</c>, <c>ReferralBody</c>, <c>ReferralHeadline</c>,
/// <c>OriginalRepliedMessageSender</c>, <c>ChannelMetadata</c>; (media) every <c>MediaUrlN</c>,
/// <c>ReferralSourceUrl</c> and <c>ReferralMediaUrl</c>.
/// </summary>
public sealed class TwilioMapper : IInboundMapper
{
    private static readonly string[] TextFields =
    [
        "Body", "From", "ProfileName", "WaId", "FromCity", "FromState", "FromZip", "Latitude", "Longitude", "Address", "Label",
        "ButtonText", "ButtonPayload", "ReferralBody", "ReferralHeadline", "OriginalRepliedMessageSender", "ChannelMetadata",
    ];

    private static readonly string[] MediaFields = ["ReferralSourceUrl", "ReferralMediaUrl"];

    public ChannelKind Kind => ChannelKind.Twilio;

    public InboundPayload Map(JsonObject root)
    {
        var fields = new List<InboundField>();
        foreach (var name in TextFields)
        {
            Add(fields, root, name, "", InboundFieldKind.Text);
        }

        foreach (var (name, _) in root.Where(p => IsMediaUrl(p.Key)).ToList())
        {
            AddFile(fields, root, name, "");
        }

        foreach (var name in MediaFields)
        {
            Add(fields, root, name, "", InboundFieldKind.Media);
        }

        var sid = Text(root["MessageSid"]) ?? Text(root["SmsSid"]);
        var key = sid is null ? null : $"{sid}:{Text(root["MessageStatus"]) ?? Text(root["SmsStatus"]) ?? ""}";
        return new InboundPayload(root, key, fields.Count == 0 ? [] : [new InboundMessage(Text(root["From"]), User, fields)]);
    }

    private static bool IsMediaUrl(string name) =>
        name.StartsWith("MediaUrl", StringComparison.Ordinal) && name.Length > "MediaUrl".Length && name["MediaUrl".Length..].All(char.IsAsciiDigit);
}
