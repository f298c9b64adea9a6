using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Twilio messaging webhooks, forwarded as a JSON object of their form parameters (see <see cref="FormPayload"/>): the
/// idempotency key is <c>MessageSid</c> (or <c>SmsSid</c>), the conversation <c>From</c>, the author the user. Sealed
/// (text): <c>Body</c>, <c>From</c>, <c>ProfileName</c>, <c>WaId</c>, <c>FromCity</c>, <c>FromState</c>, <c>FromZip</c>,
/// <c>Latitude</c>, <c>Longitude</c>, <c>Address</c>, <c>Label</c>; (media) every <c>MediaUrlN</c>.
/// </summary>
public sealed class TwilioMapper : IInboundMapper
{
    private static readonly string[] TextFields = ["Body", "From", "ProfileName", "WaId", "FromCity", "FromState", "FromZip", "Latitude", "Longitude", "Address", "Label"];

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

        return new InboundPayload(root, Text(root["MessageSid"]) ?? Text(root["SmsSid"]), fields.Count == 0 ? [] : [new InboundMessage(Text(root["From"]), User, fields)]);
    }

    private static bool IsMediaUrl(string name) =>
        name.StartsWith("MediaUrl", StringComparison.Ordinal) && name.Length > "MediaUrl".Length && name["MediaUrl".Length..].All(char.IsAsciiDigit);
}
