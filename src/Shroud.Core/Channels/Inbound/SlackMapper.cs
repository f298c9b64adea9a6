using System.Text.Json.Nodes;
using static Shroud.Core.Channels.Inbound.InboundMappers;

namespace Shroud.Core.Channels.Inbound;

/// <summary>
/// Slack Events API callbacks (<c>event_callback</c>): the idempotency key is <c>event_id</c>, the conversation
/// <c>event.channel</c>, the author a bot when the event carries <c>bot_id</c> or subtype <c>bot_message</c>. Sealed:
/// <c>text</c> and <c>blocks</c> (text), and of each <c>files[]</c> entry <c>url_private</c>, <c>url_private_download</c>,
/// <c>permalink</c>, <c>permalink_public</c>, <c>name</c> and <c>title</c> (media), and <c>attachments</c> and
/// <c>user_profile</c> whole (text), in the event and in the messages it carries (the <c>message</c> /
/// <c>previous_message</c> of an edit or delete, the <c>root</c> of a <c>thread_broadcast</c>), followed
/// <see cref="MaxNesting"/> levels deep; a message nested deeper is sealed whole. Slash commands and interactions
/// (form-encoded, forwarded as a JSON object of their parameters) have <c>text</c> and <c>payload</c> sealed,
/// conversation <c>channel_id</c>.
/// </summary>
public sealed class SlackMapper : IInboundMapper
{
    /// <summary>How deep messages inside messages are followed; past this a child is sealed whole, so depth never lets a field through in clear.</summary>
    public const int MaxNesting = 4;

    private static readonly string[] NestedMessages = ["message", "previous_message", "root"];
    private static readonly string[] FileFields = ["url_private", "url_private_download", "permalink", "permalink_public", "name", "title"];

    public ChannelKind Kind => ChannelKind.Slack;

    public InboundPayload Map(JsonObject root)
    {
        if (root["event"] is JsonObject e)
        {
            var author = e["bot_id"] is not null || Text(e["subtype"]) == "bot_message" ? Bot : User;
            var fields = new List<InboundField>();
            AddMessage(fields, e, "event", 0);
            return new InboundPayload(root, Text(root["event_id"]), fields.Count == 0 ? [] : [new InboundMessage(Text(e["channel"]), author, fields)]);
        }

        var commandFields = new List<InboundField>();
        Add(commandFields, root, "text", "", InboundFieldKind.Text);
        Add(commandFields, root, "payload", "", InboundFieldKind.Text);
        return new InboundPayload(root, null, commandFields.Count == 0 ? [] : [new InboundMessage(Text(root["channel_id"]), User, commandFields)]);
    }

    /// <summary>The sensitive fields of one message and of the messages it carries, <paramref name="depth"/> levels down.</summary>
    private static void AddMessage(List<InboundField> fields, JsonObject message, string path, int depth)
    {
        Add(fields, message, "text", path, InboundFieldKind.Text);
        Add(fields, message, "blocks", path, InboundFieldKind.Text);
        Add(fields, message, "user_profile", path, InboundFieldKind.Text);


        // Attachments (legacy and unfurls) carry text, fallback, pretext, title, fields, author names and links: sealed
        // whole, the array as one JSON value, so a field Slack adds later is covered too.
        Add(fields, message, "attachments", path, InboundFieldKind.Text);
        foreach (var (file, i) in Objects(message["files"]))
        {
            foreach (var name in FileFields)
            {
                // The file is downloaded from url_private, in the event itself only (an edit's files were the original's).
                if (name == "url_private" && path == "event")
                {
                    AddFile(fields, file, name, $"{path}.files[{i}]");
                }
                else
                {
                    Add(fields, file, name, $"{path}.files[{i}]", InboundFieldKind.Media);
                }
            }
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
}
