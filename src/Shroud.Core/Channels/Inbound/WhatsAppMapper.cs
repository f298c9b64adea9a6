using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// WhatsApp Cloud API notifications (<c>entry[].changes[].value</c>). Each of <c>messages[]</c> is a user's message in
/// the conversation of its <c>from</c> (the user's WhatsApp id); the idempotency key is the message ids (for a call
/// with only <c>statuses[]</c>, their ids and states). Sealed (text): <c>from</c>, <c>text.body</c>, <c>location.*</c>,
/// <c>contacts</c>, <c>interactive</c> whole (button, list and flow replies: <c>nfm_reply.response_json</c>),
/// <c>button.text</c> and <c>button.payload</c>, <c>system.body</c>, <c>wa_id</c> and <c>new_wa_id</c>,
/// <c>referral.body</c> and <c>headline</c>, <c>order.text</c>, and of <c>value.contacts[]</c> the <c>profile.name</c>
/// and <c>wa_id</c>; (media) <c>id</c>, <c>caption</c>, <c>filename</c> and <c>link</c> of image, video, audio, voice,
/// document and sticker (the <c>id</c> is the file the delivery consumer downloads when media is encrypted), and <c>referral.source_url</c>, <c>image_url</c>, <c>video_url</c> and
/// <c>thumbnail_url</c>. A <c>reaction</c>'s emoji and the <c>context</c> of a reply (ids only) pass. Statuses are the bot's own messages: their <c>recipient_id</c> is sealed under the bot-message rule.
/// </summary>
public sealed class WhatsAppMapper : IInboundMapper
{
    private static readonly string[] MediaTypes = ["image", "video", "audio", "voice", "document", "sticker"];
    private static readonly string[] MediaFields = ["id", "caption", "filename", "link"];
    private static readonly string[] LocationFields = ["latitude", "longitude", "name", "address", "url"];

    public ChannelKind Kind => ChannelKind.WhatsApp;

    public InboundPayload Map(JsonObject root)
    {
        var messages = new List<InboundMessage>();
        var keys = new List<string>();
        foreach (var (entry, e) in Objects(root["entry"]))
        {
            foreach (var (change, c) in Objects(entry["changes"]))
            {
                if (change["value"] is not JsonObject value)
                {
                    continue;
                }

                var path = $"entry[{e}].changes[{c}].value";
                foreach (var (contact, i) in Objects(value["contacts"]))
                {
                    var fields = new List<InboundField>();
                    Add(fields, contact["profile"] as JsonObject, "name", $"{path}.contacts[{i}].profile", InboundFieldKind.Text);
                    Add(fields, contact, "wa_id", $"{path}.contacts[{i}]", InboundFieldKind.Text);
                    messages.Add(new InboundMessage(Text(contact["wa_id"]), User, fields));
                }

                foreach (var (message, i) in Objects(value["messages"]))
                {
                    keys.Add("m:" + Text(message["id"]));
                    messages.Add(new InboundMessage(Text(message["from"]), User, MessageFields(message, $"{path}.messages[{i}]")));
                }

                foreach (var (status, i) in Objects(value["statuses"]))
                {
                    keys.Add($"s:{Text(status["id"])}:{Text(status["status"])}");
                    var fields = new List<InboundField>();
                    Add(fields, status, "recipient_id", $"{path}.statuses[{i}]", InboundFieldKind.Text);
                    messages.Add(new InboundMessage(Text(status["recipient_id"]), Bot, fields));
                }
            }
        }

        return new InboundPayload(root, keys.Count == 0 ? null : string.Join(',', keys), messages);
    }

    private static List<InboundField> MessageFields(JsonObject message, string path)
    {
        var fields = new List<InboundField>();
        Add(fields, message, "from", path, InboundFieldKind.Text);
        Add(fields, message["text"] as JsonObject, "body", $"{path}.text", InboundFieldKind.Text);
        foreach (var name in LocationFields)
        {
            Add(fields, message["location"] as JsonObject, name, $"{path}.location", InboundFieldKind.Text);
        }

        Add(fields, message, "contacts", path, InboundFieldKind.Text);
        Add(fields, message["button"] as JsonObject, "text", $"{path}.button", InboundFieldKind.Text);
        Add(fields, message["button"] as JsonObject, "payload", $"{path}.button", InboundFieldKind.Text);

        // Every interactive reply (button, list, flow with its response_json, and kinds added later): whole.
        Add(fields, message, "interactive", path, InboundFieldKind.Text);
        foreach (var name in new[] { "body", "wa_id", "new_wa_id" })
        {
            Add(fields, message["system"] as JsonObject, name, $"{path}.system", InboundFieldKind.Text);
        }

        Add(fields, message["referral"] as JsonObject, "body", $"{path}.referral", InboundFieldKind.Text);
        Add(fields, message["referral"] as JsonObject, "headline", $"{path}.referral", InboundFieldKind.Text);
        Add(fields, message["order"] as JsonObject, "text", $"{path}.order", InboundFieldKind.Text);

        foreach (var type in MediaTypes)
        {
            foreach (var name in MediaFields)
            {
                if (name == "id")
                {
                    AddFile(fields, message[type] as JsonObject, name, $"{path}.{type}");
                }
                else
                {
                    Add(fields, message[type] as JsonObject, name, $"{path}.{type}", InboundFieldKind.Media);
                }
            }
        }

        foreach (var name in new[] { "source_url", "image_url", "video_url", "thumbnail_url" })
        {
            Add(fields, message["referral"] as JsonObject, name, $"{path}.referral", InboundFieldKind.Media);
        }

        return fields;
    }
}
