using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Shared request plumbing: URLs, standard headers, sending and error mapping.</summary>
internal sealed partial class TablePipeline(Uri endpoint, HttpPipeline pipeline) : StoragePipeline(endpoint, pipeline, "Table", "2019-02-02")
{
    public const string JsonAccept = "application/json;odata=minimalmetadata";

    public static string ValidateTableName(string tableName)
    {
        ArgumentNullException.ThrowIfNull(tableName);
        return TableNamePattern().IsMatch(tableName)
            ? tableName
            : throw new ArgumentException("Table names are 3-63 letters and digits, starting with a letter.", nameof(tableName));
    }

    /// <summary>The URL path of one entity, keys quoted and percent-escaped.</summary>
    public static string EntityPath(string table, string partitionKey, string rowKey) =>
        $"{table}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    public HttpMessage CreateMessage(RequestMethod method, string path, byte[]? json = null)
    {
        var message = NewMessage(method, path);
        var request = message.Request;
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("Accept", JsonAccept);
        if (json is not null)
        {
            request.Headers.SetValue("Content-Type", "application/json");
            request.Headers.SetValue("Prefer", "return-no-content");
            request.Content = RequestContent.Create(json);
        }

        return message;
    }

    public static StorageException Failure(Response response, string operation) => Failure("Table", response, operation, ErrorCode(response));

    public static string? ErrorCode(Response response) =>
        ReadError(response.Content.ToMemory().Span).Code
        ?? (response.Headers.TryGetValue("x-ms-error-code", out var header) ? header : null);

    /// <summary>Reads code and message of an {"odata.error":...} body; trailing bytes after the JSON value are ignored.</summary>
    public static (string? Code, string? Message) ReadError(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("odata.error", out var error))
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v)
                    ? v.GetString()
                    : null;
                return (code, message);
            }
        }
        catch (JsonException)
        {
            // Not a JSON error body (empty, XML or HTML from a proxy): the status and headers are all we have.
        }

        return (null, null);
    }

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();
}
