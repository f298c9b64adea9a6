using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Unicode;
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
        // Redaction text and user content stay readable (★ rather than \u2605); HTML-sensitive characters are still escaped.
        options.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
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
        CheckContentType(request);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
        }
        catch (JsonException)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body is not valid JSON.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object.");
            }

            try
            {
                return document.Deserialize<T>(Options)!;
            }
            catch (JsonException e)
            {
                var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
                var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field." : "has the wrong type.";
                throw ShroudException.Invalid(field, message);
            }
        }
    }

    /// <summary>Reads a body that is a JSON object or array, as a mutable tree.</summary>
    public static async Task<JsonNode> ReadNodeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        CheckContentType(request);
        try
        {
            return await JsonNode.ParseAsync(request.Body, documentOptions: DocumentOptions, cancellationToken: cancellationToken) switch
            {
                JsonObject o => o,
                JsonArray a => a,
                _ => throw new ShroudException(ShroudError.InvalidJson, "The body must be a JSON object or array."),
            };
        }
        catch (JsonException)
        {
            throw new ShroudException(ShroudError.InvalidJson, "The body is not valid JSON.");
        }
    }

    private static void CheckContentType(HttpRequest request)
    {
        if (request.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ShroudException(ShroudError.InvalidJson, "Send the body as application/json.");
        }
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };
}
