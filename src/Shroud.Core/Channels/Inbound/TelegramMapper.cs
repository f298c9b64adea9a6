using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Telegram Bot API updates: the idempotency key is <c>update_id</c>; the message is the update's <c>message</c>,
/// <c>edited_message</c>, <c>channel_post</c>, <c>edited_channel_post</c> or <c>business_message</c>, in the conversation
/// of its <c>chat.id</c>, by a bot when <c>from.is_bot</c>. Sealed (text): <c>text</c>, <c>location</c>,
/// <c>contact</c>, <c>venue</c>, and a callback query's <c>data</c>; (media) <c>caption</c>, <c>photo[].file_id</c>, and
/// <c>file_id</c> and <c>file_name</c> of document, voice, video, video_note, audio, animation and sticker.
/// </summary>
public sealed class TelegramMapper : IInboundMapper
{
    private static readonly string[] MessageKinds = ["message", "edited_message", "channel_post", "edited_channel_post", "business_message"];
    private static readonly string[] FileKinds = ["document", "voice", "video", "video_note", "audio", "animation", "sticker"];

    public ChannelKind Kind => ChannelKind.Telegram;

    public InboundPayload Map(JsonObject root)
    {
        var messages = new List<InboundMessage>();
        foreach (var kind in MessageKinds)
        {
            if (root[kind] is JsonObject message)
            {
                messages.Add(new InboundMessage(ChatId(message), Author(message), MessageFields(message, kind)));
            }
        }

        if (root["callback_query"] is JsonObject query)
        {
            var fields = new List<InboundField>();
            Add(fields, query, "data", "callback_query", InboundFieldKind.Text);
            if (query["message"] is JsonObject original)
            {
                fields.AddRange(MessageFields(original, "callback_query.message"));
            }

            messages.Add(new InboundMessage(query["message"] is JsonObject m ? ChatId(m) : null, Author(query), fields));
        }

        return new InboundPayload(root, Text(root["update_id"]), messages);
    }

    private static string? ChatId(JsonObject message) => Text((message["chat"] as JsonObject)?["id"]);

    private static string Author(JsonObject message) =>
        (message["from"] as JsonObject)?["is_bot"] is JsonValue isBot && isBot.GetValueKind() == System.Text.Json.JsonValueKind.True ? Bot : User;

    private static List<InboundField> MessageFields(JsonObject message, string path)
    {
        var fields = new List<InboundField>();
        foreach (var name in new[] { "text", "location", "contact", "venue" })
        {
            Add(fields, message, name, path, InboundFieldKind.Text);
        }

        Add(fields, message, "caption", path, InboundFieldKind.Media);
        // Telegram sends a photo in several sizes, the largest last: that one is the file downloaded, the others stay sealed ids.
        var photos = Objects(message["photo"]).ToList();
        foreach (var (photo, i) in photos)
        {
            if (i == photos[^1].Index)
            {
                AddFile(fields, photo, "file_id", $"{path}.photo[{i}]");
            }
            else
            {
                Add(fields, photo, "file_id", $"{path}.photo[{i}]", InboundFieldKind.Media);
            }
        }

        foreach (var kind in FileKinds)
        {
            AddFile(fields, message[kind] as JsonObject, "file_id", $"{path}.{kind}");
            Add(fields, message[kind] as JsonObject, "file_name", $"{path}.{kind}", InboundFieldKind.Media);
        }

        return fields;
    }
}
