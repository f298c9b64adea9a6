using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Audit;

namespace Shroud.Storage;

/// <summary>
/// The audit table. Partition key = day and stream (<c>yyyyMMdd-{appId}</c>, <c>yyyyMMdd-~deployment</c>), so a day of one
/// app is one partition and a query never reads another app's rows; row key = inverted ticks, writer id and inverted
/// sequence, so a partition reads newest first. Days sort first, so retention deletes a key range that holds only old days.
/// </summary>
public sealed class AuditTable(TableClient table) : IAuditStore
{
    private const string DayFormat = "yyyyMMdd";

    public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken) =>
        table.AddEntityAsync(ToEntity(record), cancellationToken);

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var (day, token) = query.ContinuationToken is { } continuation ? Parse(continuation) : (query.To.UtcDateTime.Date, null);
        var firstDay = query.From.UtcDateTime.Date;
        var items = new List<AuditRecord>();
        while (day >= firstDay)
        {
            var filter = Filter(query, day);
            await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: query.PageSize - items.Count, cancellationToken: cancellationToken).AsPages(token))
            {
                items.AddRange(page.Values.Select(FromEntity));
                token = page.ContinuationToken;
                break;
            }

            if (token is null)
            {
                day = day.AddDays(-1);
            }

            if (items.Count >= query.PageSize)
            {
                return new AuditPage(items, day >= firstDay ? Format(day, token) : null);
            }
        }

        return new AuditPage(items, null);
    }

    /// <summary>
    /// Deletes the partitions of days before <paramref name="cutoff"/>'s day, in transactions of up to 100 rows: one key
    /// range holding only those days, so the cost follows the expired records alone. Safe to run twice at once.
    /// </summary>
    public async Task<int> SweepAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var bound = cutoff.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);
        var deleted = 0;
        var pages = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey lt {bound}"), maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken);
        await foreach (var page in pages.AsPages())
        {
            deleted += await table.DeleteRowsAsync(page.Values, cancellationToken);
        }

        return deleted;
    }

    private static string Filter(AuditQuery query, DateTime day)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Partition(day, query.Stream)} and RowKey ge {Inverted(query.To)} and RowKey lt {Inverted(query.From - TimeSpan.FromTicks(1))}");
        if (query.Action is { } action)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Action eq {action}");
        }

        if (query.KeyId is { } keyId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"KeyId eq {keyId}");
        }

        return filter;
    }

    private static string Partition(DateTime day, string stream) => $"{day.ToString(DayFormat, CultureInfo.InvariantCulture)}-{stream}";

    // Later instants give smaller keys, so rows read newest first.
    private static string Inverted(DateTimeOffset time) => (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(AuditRecord record) => new(
        Partition(record.Time.UtcDateTime.Date, record.Stream),
        $"{Inverted(record.Time)}-{record.WriterId}-{(long.MaxValue - record.Sequence).ToString("D19", CultureInfo.InvariantCulture)}")
    {
        ["Time"] = record.Time,
        ["Ticks"] = record.Time.UtcTicks,
        ["Action"] = record.Action,
        ["Outcome"] = record.Outcome,
        ["KeyId"] = record.KeyId,
        ["Target"] = record.Target,
        ["RefIds"] = string.Join(',', record.RefIds),
        ["Counts"] = string.Join(',', record.Counts.Select(c => $"{c.Key}={c.Value.ToString(CultureInfo.InvariantCulture)}")),
        ["TraceId"] = record.TraceId,
        ["WriterId"] = record.WriterId,
        ["Sequence"] = record.Sequence,
        ["RootKeyId"] = record.RootKeyId,
        ["Mac"] = record.Mac,
    };

    // Every column is read as stored: verification, not this mapping, decides whether a row is genuine.
    private static AuditRecord FromEntity(TableEntity entity) => new(
        entity.PartitionKey[(DayFormat.Length + 1)..],
        new DateTimeOffset(entity.GetInt64("Ticks") ?? 0, TimeSpan.Zero),
        entity.GetString("Action") ?? "",
        entity.GetString("Outcome") ?? "",
        entity.GetString("KeyId"),
        entity.GetString("Target"),
        entity.GetString("RefIds") is { Length: > 0 } refIds ? refIds.Split(',') : [],
        (entity.GetString("Counts") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('='))
            .ToDictionary(c => c[0], c => c.Length > 1 && int.TryParse(c[1], CultureInfo.InvariantCulture, out var n) ? n : 0),
        entity.GetString("TraceId"),
        entity.GetString("WriterId") ?? "",
        entity.GetInt64("Sequence") ?? 0,
        entity.GetString("RootKeyId") ?? "",
        entity.GetBinary("Mac") ?? []);

    private static string Format(DateTime day, string? token) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{day.ToString(DayFormat, CultureInfo.InvariantCulture)}|{token}"));

    private static (DateTime Day, string? Token) Parse(string continuation)
    {
        try
        {
            // URL-safe, so that the token goes back in a query string as it came.
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation)).Split('|', 2);
            var day = DateTime.ParseExact(parts[0], DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            return (day, parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null);
        }
        catch (FormatException)
        {
            throw ShroudException.Invalid("continuationToken", "is not a token this query returned.");
        }
    }
}
