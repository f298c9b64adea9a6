using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shroud.Core.Channels.Inbound;

/// <summary>What a sensitive field of a channel's payload holds: message content, or media (ids, URLs, names, captions).</summary>
public enum InboundFieldKind
{
    /// <summary>Message text, contact and location fields, the sender's identifiers: sealed when the message is sensitive.</summary>
    Text,

    /// <summary>Media ids, URLs, file names and captions: sealed when the message is sensitive or media is encrypted.</summary>
    Media,
}

/// <summary>
/// One sensitive field: the property <paramref name="Property"/> of <paramref name="Container"/>, at <paramref name="Path"/>
/// in the payload. <paramref name="IsFile"/>: it names a file the channel serves (a media id or URL), which the delivery
/// consumer downloads and seals as a media file when the configuration in force encrypts media.
/// </summary>
public sealed record InboundField(JsonObject Container, string Property, string Path, InboundFieldKind Kind, bool IsFile = false);

/// <summary>
/// One inbound message of a payload: its conversation (the channel's chat, channel or thread id; null when it has
/// none a conversation can be keyed by), its author (<c>user</c>, <c>bot</c> or <c>agent</c>) and its sensitive fields.
/// </summary>
public sealed record InboundMessage(string? ConversationId, string Author, IReadOnlyList<InboundField> Fields);

/// <summary>
/// A channel's payload as Shroud reads it: the JSON it forwards, the channel's idempotency key (null when the call has
/// none), and its inbound messages.
/// </summary>
public sealed record InboundPayload(JsonObject Root, string? IdempotencyKey, IReadOnlyList<InboundMessage> Messages);

/// <summary>Finds the inbound messages, their sensitive fields and the idempotency key in one channel's native payload. Pure: no I/O.</summary>
public interface IInboundMapper
{
    ChannelKind Kind { get; }

    /// <summary>Maps a payload already parsed into <paramref name="root"/>; fields are found, nothing is changed.</summary>
    InboundPayload Map(JsonObject root);
}

/// <summary>The mappers of every channel, and the helpers they share.</summary>
public static class InboundMappers
{
    public static readonly IReadOnlyDictionary<ChannelKind, IInboundMapper> All = new IInboundMapper[]
    {
        new SlackMapper(), new WhatsAppMapper(), new TelegramMapper(), new TwilioMapper(), new BotFrameworkMapper(),
    }.ToDictionary(m => m.Kind);

    /// <summary>The author names the sensitivity rules know.</summary>
    public const string User = "user";
    public const string Bot = "bot";

    /// <summary>A string or number property as text (chat ids are numbers in some channels), else null.</summary>
    internal static string? Text(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;

    /// <summary>Adds the property when it is present (and not null) in <paramref name="container"/>.</summary>
    internal static void Add(List<InboundField> fields, JsonObject? container, string property, string path, InboundFieldKind kind)
    {
        if (container is not null && container[property] is not null)
        {
            fields.Add(new InboundField(container, property, Join(path, property), kind));
        }
    }

    /// <summary>Adds a media field naming a file the channel serves (see <see cref="InboundField.IsFile"/>), when present.</summary>
    internal static void AddFile(List<InboundField> fields, JsonObject? container, string property, string path)
    {
        if (container is not null && container[property] is not null)
        {
            fields.Add(new InboundField(container, property, Join(path, property), InboundFieldKind.Media, IsFile: true));
        }
    }

    /// <summary>The objects of an array property, with their index.</summary>
    internal static IEnumerable<(JsonObject Item, int Index)> Objects(JsonNode? array) =>
        array is JsonArray items ? items.Select((item, i) => (item as JsonObject, i)).Where(p => p.Item1 is not null).Select(p => (p.Item1!, p.i)) : [];

    internal static string Join(string path, string property) => path.Length == 0 ? property : $"{path}.{property}";
}
