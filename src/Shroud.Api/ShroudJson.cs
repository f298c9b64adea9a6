using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Shroud.Core;

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
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        using var document = await ParseAsync(request, cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object.");
        }

        return Bind(() => document.Deserialize<T>(Options)!);
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

    /// <summary>Reads a body that is a JSON object or array, as a mutable tree (sent as <paramref name="mediaType"/> or <c>application/json</c>).</summary>
    public static async Task<JsonNode> ReadNodeAsync(HttpRequest request, CancellationToken cancellationToken, string mediaType = JsonMediaType)
    {
        using var document = await ParseAsync(request, cancellationToken, mediaType);
        var root = document.RootElement.Clone();
        return root.ValueKind switch
        {
            JsonValueKind.Object => JsonObject.Create(root)!,
            JsonValueKind.Array => JsonArray.Create(root)!,
            _ => throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object or array."),
        };
    }

    /// <summary>
    /// Parses the body. The parser leaves escapes such as <c>"\ud800"</c> for later, where an unpaired surrogate would
    /// fail deep inside a handler; every name and string is decoded here once so such a body is a 400 like any malformed JSON.
    /// </summary>
    private static async Task<JsonDocument> ParseAsync(HttpRequest request, CancellationToken cancellationToken, string mediaType = JsonMediaType)
    {
        CheckContentType(request, mediaType);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
        }
        catch (JsonException)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body is not valid JSON.");
        }

        try
        {
            DecodeAllText(document.RootElement);
            return document;
        }
        catch (InvalidOperationException)
        {
            document.Dispose();
            throw new ShroudException(ShroudError.InvalidJson, "The body holds a string that is not valid Unicode (an unpaired surrogate escape).");
        }
    }

    private static void DecodeAllText(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    DecodeAllText(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    DecodeAllText(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }

    private static void CheckContentType(HttpRequest request, string mediaType)
    {
        if (request.ContentType is { } contentType
            && !contentType.StartsWith(JsonMediaType, StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith(mediaType, StringComparison.OrdinalIgnoreCase))
        {
            throw new ShroudException(ShroudError.InvalidJson, $"Send the body as {mediaType}.");
        }
    }

    private const string JsonMediaType = "application/json";

    /// <summary>The media type of a JSON merge patch (RFC 7396).</summary>
    public const string MergePatchMediaType = "application/merge-patch+json";

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };
}
