using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Shroud.Core;
using Shroud.Core.Events;

namespace Shroud.Api;

/// <summary>The API's JSON conventions, and strict reading of request bodies into problem responses.</summary>
public static class ShroudJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowTrailingCommas = false;
        // Answers are application/json, never HTML: user content passes through as it came (wa:+15550100, ★, O'Brien),
        // escaped only where JSON requires it.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    }

    private static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        return options;
    }

    /// <summary>Reads the body as <typeparamref name="T"/>; malformed JSON, wrong types and unknown fields become 400 problems naming the field.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, int limit, CancellationToken cancellationToken)
        where T : class
    {
        var body = await ReadCheckedAsync(request, limit, cancellationToken);
        if (body.Root != JsonTokenType.StartObject)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object.");
        }

        return Bind(() => JsonSerializer.Deserialize<T>(body.Utf8.Span, Options)!);
    }

    /// <summary>Binds a JSON object built by Shroud (such as a merged patch) as <typeparamref name="T"/>, with the errors of <see cref="ReadAsync{T}"/>.</summary>
    public static T Deserialize<T>(JsonObject json)
        where T : class => Bind(() => json.Deserialize<T>(Options)!);

    /// <summary>Shroud's own representation of <paramref name="value"/> as a JSON tree.</summary>
    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Options);

    private static T Bind<T>(Func<T> deserialize)
    {
        try
        {
            return deserialize();
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field." : "has the wrong type.";
            throw ShroudException.Invalid(field, message);
        }
    }

    /// <summary>
    /// Reads a body that is a JSON object or array, as a mutable tree. The tree keeps one copy of the body, in memory of its own
    /// rather than pooled, so nothing of a large body stays with the process once the request is done.
    /// </summary>
    public static async Task<JsonNode> ReadNodeAsync(HttpRequest request, int limit, CancellationToken cancellationToken, string mediaType = JsonMediaType)
    {
        var body = await ReadObjectOrArrayAsync(request, limit, cancellationToken, mediaType);
        return JsonNode.Parse(body.Span, documentOptions: DocumentOptions)!;
    }

    /// <summary>Reads a body that is a JSON object or array, checked as <see cref="ReadNodeAsync"/> checks it, as its UTF-8 bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadObjectOrArrayAsync(HttpRequest request, int limit, CancellationToken cancellationToken, string mediaType = JsonMediaType)
    {
        var body = await ReadCheckedAsync(request, limit, cancellationToken, mediaType);
        return body.Root is JsonTokenType.StartObject or JsonTokenType.StartArray
            ? body.Utf8
            : throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object or array.");
    }

    /// <summary>Writes a string value as the API writes JSON (readable Unicode, HTML-sensitive characters escaped).</summary>
    public static byte[] StringValue(string value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>
    /// Reads the body within its route's limit and checks, in one pass over its bytes and without copying them, that it is
    /// well-formed JSON no deeper than <see cref="ChatEvents.MaxDepth"/> whose every name and string is valid Unicode. The
    /// parsers leave escapes such as <c>"\ud800"</c> for later, where an unpaired surrogate would fail deep inside a handler.
    /// </summary>
    private static async Task<(ReadOnlyMemory<byte> Utf8, JsonTokenType Root)> ReadCheckedAsync(
        HttpRequest request, int limit, CancellationToken cancellationToken, string mediaType = JsonMediaType)
    {
        CheckContentType(request, mediaType);
        var body = await RequestBody.ReadAsync(request, limit, cancellationToken);
        return (body, Check(body.Span));
    }

    private static JsonTokenType Check(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = ChatEvents.MaxDepth });
        var root = JsonTokenType.None;
        char[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                if (root == JsonTokenType.None)
                {
                    root = reader.TokenType;
                }

                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsValidText(ref reader, ref scratch))
                {
                    throw new ShroudException(ShroudError.InvalidJson, "The body holds a string that is not valid Unicode (an unpaired surrogate escape).");
                }
            }

            return root == JsonTokenType.None ? throw new ShroudException(ShroudError.InvalidJson, "The body is not valid JSON.") : root;
        }
        catch (JsonException)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body is not valid JSON.");
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<char>.Shared.Return(scratch, clearArray: true);
            }
        }
    }

    private static bool IsValidText(ref Utf8JsonReader reader, ref char[]? scratch)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        // Unescaping to UTF-16 fails on invalid UTF-8 and on unpaired surrogate escapes alike; an escape never decodes to more characters than its bytes.
        if (scratch is null || scratch.Length < reader.ValueSpan.Length)
        {
            if (scratch is not null)
            {
                ArrayPool<char>.Shared.Return(scratch, clearArray: true);
            }

            scratch = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        }

        try
        {
            reader.CopyString(scratch);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary><c>application/json</c>, or <paramref name="mediaType"/> where a route takes a JSON-based format of its own.</summary>
    private static void CheckContentType(HttpRequest request, string mediaType)
    {
        // JSON is UTF-8 (RFC 8259): the only parameter worth sending is charset=utf-8; anything else is another format.
        if (request.ContentType is { } contentType
            && !(MediaTypeHeaderValue.TryParse(contentType, out var parsed)
                && (parsed.MediaType.Equals(JsonMediaType, StringComparison.OrdinalIgnoreCase) || parsed.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
                && parsed.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)
                    && HeaderUtilities.RemoveQuotes(p.Value).Equals("utf-8", StringComparison.OrdinalIgnoreCase))))
        {
            throw new ShroudException(ShroudError.UnsupportedMediaType, $"Send the body as {mediaType} (UTF-8), or without a Content-Type.");
        }
    }

    private const string JsonMediaType = "application/json";

    /// <summary>The media type of a JSON merge patch (RFC 7396).</summary>
    public const string MergePatchMediaType = "application/merge-patch+json";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = ChatEvents.MaxDepth };
}
