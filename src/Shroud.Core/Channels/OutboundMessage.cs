using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core.Events;
using Shroud.Core.Records;

namespace Shroud.Core.Channels;

/// <summary>
/// A message a bot sends through a channel, in the channel's own send shape, where any value may be a sealed field
/// <c>{ "$shroud": "&lt;ref&gt;", … }</c>. <see cref="References"/> finds them (with their JSON paths, for error
/// messages); <see cref="Fill"/> puts each one's revealed value (or the redaction text) in its place.
/// </summary>
public sealed class OutboundMessage
{
    private readonly List<(JsonObject Sealed, string Path, string Reference)> fields = [];
    private readonly List<(JsonObject Sealed, string Path, string Reference)> media = [];

    public OutboundMessage(JsonObject payload)
    {
        if (payload.ContainsKey(ChatEvents.ReferenceProperty))
        {
            throw ShroudException.Invalid("$", "must be the channel's message, not a sealed field itself.");
        }

        Payload = payload;
        Collect(payload, "$");
    }

    /// <summary>The message; after <see cref="Fill"/>, with the revealed values in place.</summary>
    public JsonObject Payload { get; }

    /// <summary>The sealed fields in document order: JSON path and reference text.</summary>
    public IReadOnlyList<(string Field, string Reference)> References => fields.Select(f => (f.Path, f.Reference)).ToList();

    /// <summary>
    /// The sealed fields <see cref="Fill"/> found to be live media files, left in place for the channel's sender to
    /// upload: the field, its JSON path and its reference.
    /// </summary>
    public IReadOnlyList<(JsonObject Field, string Path, string Reference)> Media => media;

    /// <summary>
    /// Replaces every sealed field by its value, in the order of <see cref="References"/>: a JSON value where it was sealed
    /// as JSON and is still live, a string otherwise (the plaintext or the redaction text). A media file stays in place
    /// and is listed in <see cref="Media"/>.
    /// </summary>
    public void Fill(IReadOnlyList<RevealedValue> values)
    {
        if (values.Count != fields.Count)
        {
            throw new ArgumentException($"{fields.Count} values are needed; {values.Count} were given.", nameof(values));
        }

        for (var i = 0; i < fields.Count; i++)
        {
            var value = values[i];
            if (value.Media)
            {
                media.Add(fields[i]);
                continue;
            }

            var node = !value.Expired && value.ContentType == Vault.JsonContentType ? JsonNode.Parse(value.Value) : JsonValue.Create(value.Value);
            fields[i].Sealed.ReplaceWith(node);
        }

        fields.Clear();
    }

    private void Collect(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o when o[ChatEvents.ReferenceProperty] is JsonValue reference:
                fields.Add((o, path, reference.GetValueKind() == JsonValueKind.String
                    ? reference.GetValue<string>()
                    : throw ShroudException.InvalidReference(path)));
                break;
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    Collect(child, $"{path}.{name}");
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Collect(a[i], $"{path}[{i}]");
                }

                break;
        }
    }
}
