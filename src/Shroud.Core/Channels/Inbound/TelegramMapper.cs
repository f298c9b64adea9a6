using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Telegram Bot API updates: the idempotency key is <c>update_id</c>; the message is the update's <c>message</c>,
/// <c>edited_message</c>, <c>channel_post</c>, <c>edited_channel_post</c>, <c>business_message</c> or
/// <c>edited_business_message</c>, in the conversation of its <c>chat.id</c>, by a bot when <c>from.is_bot</c>. Sealed
/// (text): <c>text</c>, <c>location</c>, <c>contact</c>, <c>venue</c>, <c>poll.question</c>, <c>poll.options</c>,
/// <c>quote.text</c>, <c>link_preview_options.url</c>, <c>web_app_data.data</c>, <c>successful_payment.order_info</c>;
/// (media) <c>caption</c>, <c>photo[].file_id</c>, and <c>file_id</c> and <c>file_name</c> of document, voice, video,
/// video_note, audio, animation and sticker. The same rules apply to the messages a message carries
/// (<c>reply_to_message</c>, <c>external_reply</c>, <c>pinned_message</c>, and a callback query's <c>message</c>),
/// <see cref="MaxNesting"/> levels deep; a message nested deeper is sealed whole. Other updates: a callback query's
/// <c>data</c>, <c>inline_query</c> and <c>chosen_inline_result</c> <c>query</c> and <c>location</c>, a
/// <c>poll</c>'s <c>question</c> and <c>options</c>, <c>shipping_query.shipping_address</c> and
/// <c>pre_checkout_query.order_info</c>.
/// </summary>
public sealed class TelegramMapper : IInboundMapper
{
    /// <summary>
    /// How deep messages inside messages are followed. Telegram itself nests one level (a reply's own
    /// <c>reply_to_message</c> is left out), a pinned message's reply two; past this a child is sealed whole, so depth
    /// never lets a field through in clear.
    /// </summary>
    public const int MaxNesting = 4;

    private static readonly string[] MessageKinds = ["message", "edited_message", "channel_post", "edited_channel_post", "business_message", "edited_business_message"];
    private static readonly string[] FileKinds = ["document", "voice", "video", "video_note", "audio", "animation", "sticker"];
    private static readonly string[] TextFields = ["text", "location", "contact", "venue"];
    private static readonly string[] NestedMessages = ["reply_to_message", "external_reply", "pinned_message"];

    public ChannelKind Kind => ChannelKind.Telegram;

    public InboundPayload Map(JsonObject root)
    {
        var messages = new List<InboundMessage>();
        foreach (var kind in MessageKinds)
        {
            if (root[kind] is JsonObject message)
            {
                var fields = new List<InboundField>();
                AddMessage(fields, message, kind, 0);
                messages.Add(new InboundMessage(ChatId(message), Author(message), fields));
            }
        }

        if (root["callback_query"] is JsonObject query)
        {
            var fields = new List<InboundField>();
            Add(fields, query, "data", "callback_query", InboundFieldKind.Text);
            if (query["message"] is JsonObject original)
            {
                AddMessage(fields, original, "callback_query.message", 1);
            }

            messages.Add(new InboundMessage(query["message"] is JsonObject m ? ChatId(m) : null, Author(query), fields));
        }

        foreach (var kind in new[] { "inline_query", "chosen_inline_result" })
        {
            if (root[kind] is JsonObject inline)
            {
                var fields = new List<InboundField>();
                Add(fields, inline, "query", kind, InboundFieldKind.Text);
                Add(fields, inline, "location", kind, InboundFieldKind.Text);
                messages.Add(new InboundMessage(null, Author(inline), fields));
            }
        }

        if (root["poll"] is JsonObject poll)
        {
            var fields = new List<InboundField>();
            AddPoll(fields, poll, "poll");
            messages.Add(new InboundMessage(null, User, fields));
        }

        foreach (var (kind, property) in new[] { ("shipping_query", "shipping_address"), ("pre_checkout_query", "order_info") })
        {
            if (root[kind] is JsonObject payment)
            {
                var fields = new List<InboundField>();
                Add(fields, payment, property, kind, InboundFieldKind.Text);
                messages.Add(new InboundMessage(null, Author(payment), fields));
            }
        }

        return new InboundPayload(root, Text(root["update_id"]), messages);
    }

    private static string? ChatId(JsonObject message) => Text((message["chat"] as JsonObject)?["id"]);

    private static string Author(JsonObject message) =>
        (message["from"] as JsonObject)?["is_bot"] is JsonValue isBot && isBot.GetValueKind() == System.Text.Json.JsonValueKind.True ? Bot : User;

    /// <summary>The sensitive fields of one message and of the messages it carries, <paramref name="depth"/> levels down.</summary>
    private static void AddMessage(List<InboundField> fields, JsonObject message, string path, int depth)
    {
        foreach (var name in TextFields)
        {
            Add(fields, message, name, path, InboundFieldKind.Text);
        }

        Add(fields, message["quote"] as JsonObject, "text", $"{path}.quote", InboundFieldKind.Text);
        Add(fields, message["link_preview_options"] as JsonObject, "url", $"{path}.link_preview_options", InboundFieldKind.Text);
        Add(fields, message["web_app_data"] as JsonObject, "data", $"{path}.web_app_data", InboundFieldKind.Text);
        Add(fields, message["successful_payment"] as JsonObject, "order_info", $"{path}.successful_payment", InboundFieldKind.Text);
        if (message["poll"] is JsonObject poll)
        {
            AddPoll(fields, poll, $"{path}.poll");
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

        foreach (var name in NestedMessages)
        {
            if (message[name] is not JsonObject nested)
            {
                continue;
            }

            if (depth + 1 >= MaxNesting)
            {
                Add(fields, message, name, path, InboundFieldKind.Text);
            }
            else
            {
                AddMessage(fields, nested, Join(path, name), depth + 1);
            }
        }
    }

    private static void AddPoll(List<InboundField> fields, JsonObject poll, string path)
    {
        Add(fields, poll, "question", path, InboundFieldKind.Text);
        Add(fields, poll, "options", path, InboundFieldKind.Text);
        Add(fields, poll, "explanation", path, InboundFieldKind.Text);
    }
}
