using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Shroud.Client;

public sealed partial class ShroudClient
{
    /// <summary>The property that marks a sealed field: <c>{ "$shroud": "&lt;ref&gt;", "redacted": "&lt;redaction text&gt;" }</c>.</summary>
    public const string SealedFieldMarker = "$shroud";

    /// <summary>Seals the sensitive fields of a chat event or an array of them (permission <c>encrypt</c>).</summary>
    public async Task<JsonNode> SealEventsAsync(JsonNode events, CancellationToken cancellationToken = default) =>
        JsonNode.Parse(await PostEventsAsync("/events", events.ToJsonString(), cancellationToken))!;

    /// <inheritdoc cref="SealEventsAsync(JsonNode, CancellationToken)"/>
    public async Task<JsonElement> SealEventsAsync(JsonElement events, CancellationToken cancellationToken = default) =>
        JsonElement.Parse(await PostEventsAsync("/events", events.GetRawText(), cancellationToken));

    /// <summary>
    /// Sealed events with every sealed field replaced: by its plaintext (JSON restored as JSON) for a key with
    /// <c>decrypt</c>, by the redaction text for any other key of the app and once a value has expired.
    /// </summary>
    public async Task<JsonNode> RevealEventsAsync(JsonNode events, CancellationToken cancellationToken = default) =>
        JsonNode.Parse(await PostEventsAsync("/events/reveal", events.ToJsonString(), cancellationToken))!;

    /// <inheritdoc cref="RevealEventsAsync(JsonNode, CancellationToken)"/>
    public async Task<JsonElement> RevealEventsAsync(JsonElement events, CancellationToken cancellationToken = default) =>
        JsonElement.Parse(await PostEventsAsync("/events/reveal", events.GetRawText(), cancellationToken));

    /// <summary>
    /// A copy of sealed events with every sealed field replaced by its redaction text, without calling the service: what
    /// to write to a log or show to someone who may not see the values.
    /// </summary>
    public static JsonNode? Redact(JsonNode? events) => RedactInPlace(events?.DeepClone());

    /// <inheritdoc cref="Redact(JsonNode?)"/>
    public static JsonElement Redact(JsonElement events) =>
        RedactInPlace(JsonNode.Parse(events.GetRawText())) is { } redacted ? JsonElement.Parse(redacted.ToJsonString()) : events;

    private static JsonNode? RedactInPlace(JsonNode? node)
    {
        if (node is JsonObject field && IsSealed(field, out var redacted))
        {
            return JsonValue.Create(redacted);
        }

        switch (node)
        {
            case JsonObject container:
                foreach (var (name, child) in container.ToList())
                {
                    if (child is JsonObject sealedField && IsSealed(sealedField, out var text))
                    {
                        container[name] = JsonValue.Create(text);
                    }
                    else
                    {
                        RedactInPlace(child);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject sealedItem && IsSealed(sealedItem, out var text))
                    {
                        array[i] = JsonValue.Create(text);
                    }
                    else
                    {
                        RedactInPlace(array[i]);
                    }
                }

                break;
        }

        return node;
    }

    private static bool IsSealed(JsonObject field, out string redacted)
    {
        redacted = "";
        if (field.Count == 2
            && field[SealedFieldMarker] is JsonValue reference && reference.GetValueKind() == JsonValueKind.String
            && field["redacted"] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            redacted = text.GetValue<string>();
            return true;
        }

        return false;
    }

    private async Task<byte[]> PostEventsAsync(string route, string json, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        using var request = Request(HttpMethod.Post, AppPath(route), content, safeToRepeat: true);
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }
}
