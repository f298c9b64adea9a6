using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;

namespace Shroud.Storage;

/// <summary>Writes the multipart/mixed body of an entity-group transaction ($batch with one changeset) and reads its response.</summary>
internal static partial class TableBatch
{
    public static (byte[] Body, string ContentType) Write(string baseUri, string table, IReadOnlyList<TableTransactionAction> actions)
    {
        var batch = $"batch_{Guid.NewGuid()}";
        var changeset = $"changeset_{Guid.NewGuid()}";
        var body = new StringBuilder()
            .Append("--").Append(batch).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
        foreach (var action in actions)
        {
            var entity = action.Entity;
            var (method, ifMatch) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", null),
                TableTransactionActionType.UpdateMerge => ("PATCH", IfMatch(action.ETag)),
                TableTransactionActionType.UpdateReplace => ("PUT", IfMatch(action.ETag)),
                TableTransactionActionType.UpsertMerge => ("PATCH", null),
                TableTransactionActionType.UpsertReplace => ("PUT", null),
                TableTransactionActionType.Delete => ("DELETE", IfMatch(action.ETag)),
                _ => throw new ArgumentException($"Unknown action type {action.ActionType}.", nameof(actions)),
            };
            var path = action.ActionType == TableTransactionActionType.Add ? table : TablePipeline.EntityPath(table, entity.PartitionKey, entity.RowKey);
            body.Append("--").Append(changeset).Append("\r\n")
                .Append("Content-Type: application/http\r\n")
                .Append("Content-Transfer-Encoding: binary\r\n\r\n")
                .Append(method).Append(' ').Append(baseUri).Append(path).Append(" HTTP/1.1\r\n")
                .Append("Accept: ").Append(TablePipeline.JsonAccept).Append("\r\n")
                .Append("DataServiceVersion: 3.0\r\n");
            if (ifMatch is not null)
            {
                body.Append("If-Match: ").Append(ifMatch).Append("\r\n");
            }

            if (action.ActionType == TableTransactionActionType.Delete)
            {
                body.Append("\r\n");
                continue;
            }

            body.Append("Content-Type: application/json\r\n")
                .Append("Prefer: return-no-content\r\n\r\n")
                .Append(Encoding.UTF8.GetString(EntityJson.Write(entity))).Append("\r\n");
        }

        body.Append("--").Append(changeset).Append("--\r\n")
            .Append("--").Append(batch).Append("--\r\n");
        return (Encoding.UTF8.GetBytes(body.ToString()), $"multipart/mixed; boundary={batch}");
    }

    /// <summary>The first failed sub-response, if any: status, error code and the action index the service prefixes to the message ("56:...").</summary>
    public static (int Status, string? Code, int? Index)? ReadFailure(string responseBody)
    {
        foreach (Match match in StatusLine().Matches(responseBody))
        {
            var status = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (status < 300)
            {
                continue;
            }

            var json = responseBody.IndexOf('{', match.Index);
            var (code, message) = json < 0 ? (null, null) : TablePipeline.ReadError(Encoding.UTF8.GetBytes(responseBody[json..]));
            var index = message is not null && ActionIndex().Match(message) is { Success: true } m
                ? int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture)
                : (int?)null;
            return (status, code, index);
        }

        return null;
    }

    private static string IfMatch(ETag etag) => etag == default ? "*" : etag.ToString();

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})", RegexOptions.Multiline)]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^(\d{1,3}):")]
    private static partial Regex ActionIndex();
}
