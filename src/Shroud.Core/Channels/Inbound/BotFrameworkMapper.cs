using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Bot Framework activities: the idempotency key is the activity <c>id</c>, the conversation <c>conversation.id</c>, the
/// author a bot when <c>from.role</c> is <c>bot</c>. Sealed (text): <c>text</c>, <c>speak</c>, <c>value</c> (card
/// submissions), <c>from.name</c>, and of each <c>GeoCoordinates</c> or <c>Place</c> entity its <c>latitude</c>,
/// <c>longitude</c>, <c>elevation</c>, <c>address</c>, <c>geo</c> and <c>name</c>; (media) of each <c>attachments[]</c>
/// entry <c>contentUrl</c>, <c>content</c>, <c>name</c> and <c>thumbnailUrl</c>.
/// </summary>
public sealed class BotFrameworkMapper : IInboundMapper
{
    private static readonly string[] GeoFields = ["latitude", "longitude", "elevation", "address", "geo", "name"];
    private static readonly string[] AttachmentFields = ["contentUrl", "content", "name", "thumbnailUrl"];

    public ChannelKind Kind => ChannelKind.BotFramework;

    public InboundPayload Map(JsonObject root)
    {
        var fields = new List<InboundField>();
        foreach (var name in new[] { "text", "speak", "value" })
        {
            Add(fields, root, name, "", InboundFieldKind.Text);
        }

        Add(fields, root["from"] as JsonObject, "name", "from", InboundFieldKind.Text);
        foreach (var (entity, i) in Objects(root["entities"]))
        {
            if (Text(entity["type"]) is "GeoCoordinates" or "Place")
            {
                foreach (var name in GeoFields)
                {
                    Add(fields, entity, name, $"entities[{i}]", InboundFieldKind.Text);
                }
            }
        }

        foreach (var (attachment, i) in Objects(root["attachments"]))
        {
            foreach (var name in AttachmentFields)
            {
                if (name == "contentUrl")
                {
                    AddFile(fields, attachment, name, $"attachments[{i}]");
                }
                else
                {
                    Add(fields, attachment, name, $"attachments[{i}]", InboundFieldKind.Media);
                }
            }
        }

        var author = Text((root["from"] as JsonObject)?["role"]) == "bot" ? Bot : User;
        var conversation = Text((root["conversation"] as JsonObject)?["id"]);
        return new InboundPayload(root, Text(root["id"]), fields.Count == 0 ? [] : [new InboundMessage(conversation, author, fields)]);
    }
}
