using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Bot Framework activities: the idempotency key is the activity <c>type</c>, the Teams <c>channelData.eventType</c>
/// and the <c>id</c> (an edit or delete, <c>messageUpdate</c> / <c>messageDelete</c>, reuses the id of the message it
/// changes; an edit adds its <c>timestamp</c>, so a second edit is not taken for a retry of the first). The
/// conversation is <c>conversation.id</c>, the author a bot when <c>from.role</c> is <c>bot</c>. Sealed (text):
/// <c>text</c>, <c>speak</c>, <c>summary</c>, <c>value</c> (card submissions, invoke payloads), <c>from.name</c>, of
/// each <c>GeoCoordinates</c> or <c>Place</c> entity its <c>latitude</c>, <c>longitude</c>, <c>elevation</c>,
/// <c>address</c>, <c>geo</c> and <c>name</c>, of each <c>mention</c> entity its <c>text</c> and <c>mentioned.name</c>,
/// and <c>channelData</c> whole except from Teams (Slack, Telegram, Facebook and other channels put their own native
/// payload there, message text included; Teams puts only ids, names of teams and channels, and the event type bots
/// route on); (media) of each <c>attachments[]</c> entry <c>contentUrl</c>, <c>content</c> (a card, whole),
/// <c>name</c> and <c>thumbnailUrl</c>.
/// </summary>
public sealed class BotFrameworkMapper : IInboundMapper
{
    private static readonly string[] GeoFields = ["latitude", "longitude", "elevation", "address", "geo", "name"];
    private static readonly string[] AttachmentFields = ["contentUrl", "content", "name", "thumbnailUrl"];

    public ChannelKind Kind => ChannelKind.BotFramework;

    public InboundPayload Map(JsonObject root)
    {
        var fields = new List<InboundField>();
        foreach (var name in new[] { "text", "speak", "summary", "value" })
        {
            Add(fields, root, name, "", InboundFieldKind.Text);
        }

        Add(fields, root["from"] as JsonObject, "name", "from", InboundFieldKind.Text);
        foreach (var (entity, i) in Objects(root["entities"]))
        {
            switch (Text(entity["type"]))
            {
                case "GeoCoordinates" or "Place":
                    foreach (var name in GeoFields)
                    {
                        Add(fields, entity, name, $"entities[{i}]", InboundFieldKind.Text);
                    }

                    break;
                case "mention":
                    Add(fields, entity, "text", $"entities[{i}]", InboundFieldKind.Text);
                    Add(fields, entity["mentioned"] as JsonObject, "name", $"entities[{i}].mentioned", InboundFieldKind.Text);
                    break;
            }
        }

        if (Text(root["channelId"]) != "msteams")
        {
            Add(fields, root, "channelData", "", InboundFieldKind.Text);
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
        return new InboundPayload(root, Key(root), fields.Count == 0 ? [] : [new InboundMessage(conversation, author, fields)]);
    }

    private static string? Key(JsonObject root)
    {
        if (Text(root["id"]) is not { } id)
        {
            return null;
        }

        var type = Text(root["type"]) ?? "";
        var eventType = Text((root["channelData"] as JsonObject)?["eventType"]) ?? "";
        var edit = type == "messageUpdate" ? Text(root["timestamp"]) ?? "" : "";
        return $"{type}:{eventType}:{id}:{edit}";
    }
}
