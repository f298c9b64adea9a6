using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Audit;

namespace Shroud.Storage;

/// <summary>
/// The audit table. Partition key = day and stream (<c>yyyyMMdd-{appId}</c>, <c>yyyyMMdd-~deployment</c>), so a day of one
/// app is one partition and a query never reads another app's rows. A row holds the records one insert stored (one
/// writer, one time): their fields as a JSON array in column <c>Records</c>, newest first. Row key = inverted ticks,
/// writer id and inverted sequence of the row's newest record, so a partition reads newest first. Days sort first, so
/// retention deletes a key range that holds only old days. Rows written one record per row (columns <c>Action</c>,
/// <c>Outcome</c>, …) are still read.
/// </summary>
public sealed class AuditTable(TableClient table) : IAuditStore
{
    private const string DayFormat = "yyyyMMdd";

    /// <summary>The most JSON one row's <c>Records</c> holds: a binary column takes 64 KiB.</summary>
    private const int MaxRowBytes = 60 * 1024;

    /// <summary>Rows read per storage request while a query fills its page.</summary>
    private const int RowsPerRead = 100;

    /// <summary>
    /// The most rows one page reads: <c>action</c> and <c>keyId</c> are matched here, not by storage, so a rare action over
    /// busy days answers a short page with a token rather than reading every row of the range in one call.
    /// </summary>
    private const int MaxRowsPerPage = 1000;

    public Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        var rows = ToEntities(records);
        return rows.Count == 1
            ? table.AddEntityAsync(rows[0], cancellationToken)
            : table.TransactAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)).ToList(), cancellationToken);
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var lastDay = query.To.UtcDateTime.Date;
        var newest = Inverted(query.To);
        var (day, resumeAt, skip) = query.ContinuationToken is { } continuation ? Parse(continuation) : (lastDay, newest, 0);

        // A token only narrows the query it came from: never a later day or row than its "to".
        (day, resumeAt) = (day > lastDay ? lastDay : day, string.CompareOrdinal(resumeAt, newest) < 0 ? newest : resumeAt);
        var firstDay = query.From.UtcDateTime.Date;
        var items = new List<AuditRecord>(query.PageSize);
        var rowsRead = 0;
        for (; day >= firstDay; day = day.AddDays(-1), resumeAt = newest, skip = 0)
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {Partition(day, query.Stream)} and RowKey ge {resumeAt} and RowKey lt {Inverted(query.From - TimeSpan.FromTicks(1))}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: RowsPerRead, cancellationToken: cancellationToken))
            {
                rowsRead++;
                var records = FromEntity(row);
                var matching = records.Where(r => (query.Action is null || query.Action == r.Action) && (query.KeyId is null || query.KeyId == r.KeyId)).ToList();
                for (var i = row.RowKey == resumeAt ? skip : 0; i < matching.Count; i++)
                {
                    if (items.Count == query.PageSize)
                    {
                        return new AuditPage(items, Format(day, row.RowKey, i));
                    }

                    items.Add(matching[i]);
                }

                if (items.Count == query.PageSize || rowsRead == MaxRowsPerPage)
                {
                    // Full, or read enough, at a row's end: the next page starts after this row, whatever it matches.
                    return new AuditPage(items, Format(day, row.RowKey, records.Count));
                }
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
        var pages = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey lt {bound}"), maxPerPage: 1000, select: ["PartitionKey", "RowKey", "Count"], cancellationToken: cancellationToken);
        await foreach (var page in pages.AsPages())
        {
            var rows = await table.DeleteRowsAsync(page.Values, cancellationToken);

            // Records, not rows; when a sweep running beside this one deleted some of these rows first, its report counts them.
            deleted += rows == page.Values.Count ? page.Values.Sum(r => r.TryGetValue("Count", out var count) && count is int n ? n : 1) : rows;
        }

        return deleted;
    }

    private static string Partition(DateTime day, string stream) => $"{day.ToString(DayFormat, CultureInfo.InvariantCulture)}-{stream}";

    // Later instants give smaller keys, so rows read newest first.
    private static string Inverted(DateTimeOffset time) => (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// The rows that store <paramref name="records"/> (one stream, writer and time; ascending sequence numbers): one row,
    /// unless their JSON outgrows a column, then as many as it takes, in one partition.
    /// </summary>
    public static IReadOnlyList<TableEntity> ToEntities(IReadOnlyList<AuditRecord> records)
    {
        var rows = new List<TableEntity>();
        var newestFirst = new List<(long Sequence, byte[] Json)>();
        var size = 0;
        foreach (var record in records.Reverse())
        {
            // Each record's JSON and the ',' or ']' after it (the row's '[' fits in the room MaxRowBytes leaves).
            var json = JsonSerializer.SerializeToUtf8Bytes(AuditRowRecord.Of(record), AuditRowJson.Default.AuditRowRecord);
            if (newestFirst.Count > 0 && size + json.Length + 1 > MaxRowBytes)
            {
                rows.Add(ToEntity(records[0], newestFirst));
                (newestFirst, size) = ([], 0);
            }

            newestFirst.Add((record.Sequence, json));
            size += json.Length + 1;
        }

        rows.Add(ToEntity(records[0], newestFirst));
        return rows;
    }

    private static TableEntity ToEntity(AuditRecord any, List<(long Sequence, byte[] Json)> newestFirst)
    {
        using var array = new MemoryStream();
        foreach (var (_, json) in newestFirst)
        {
            array.WriteByte(array.Length == 0 ? (byte)'[' : (byte)',');
            array.Write(json);
        }

        array.WriteByte((byte)']');
        var newest = newestFirst[0].Sequence;
        return new TableEntity(
            Partition(any.Time.UtcDateTime.Date, any.Stream),
            $"{Inverted(any.Time)}-{any.WriterId}-{(long.MaxValue - newest).ToString("D19", CultureInfo.InvariantCulture)}")
        {
            ["Time"] = any.Time,
            ["Ticks"] = any.Time.UtcTicks,
            ["WriterId"] = any.WriterId,
            ["Sequence"] = newest,
            ["Count"] = newestFirst.Count,
            ["Records"] = array.ToArray(),
        };
    }

    /// <summary>
    /// The records a row holds, newest first. Every field is read as stored: verification, not this mapping, decides
    /// whether a record is genuine. A row that cannot be read as records (altered columns) reads as one record with no
    /// fields and sequence number 0, which verification reports as a MAC mismatch.
    /// </summary>
    public static IReadOnlyList<AuditRecord> FromEntity(TableEntity entity)
    {
        var stream = entity.PartitionKey.Length > DayFormat.Length ? entity.PartitionKey[(DayFormat.Length + 1)..] : "";
        var time = entity.TryGetValue("Ticks", out var value) && value is long ticks && ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : DateTimeOffset.MinValue;
        var writer = entity.TryGetValue("WriterId", out value) && value is string id ? id : "";
        try
        {
            if (!entity.TryGetValue("Records", out value))
            {
                return [FromLegacyEntity(entity, stream, time, writer)];
            }

            var records = value is byte[] json ? JsonSerializer.Deserialize(json, AuditRowJson.Default.AuditRowRecordArray) : null;
            if (records is { Length: > 0 } && records.All(r => r is not null))
            {
                return records.Select(r => r.ToRecord(stream, time, writer)).ToList();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
        }

        return [new AuditRecord(stream, time, "", "", null, null, [], new Dictionary<string, int>(), null, writer, 0, "", [])];
    }

    private static AuditRecord FromLegacyEntity(TableEntity entity, string stream, DateTimeOffset time, string writer) => new(
        stream,
        time,
        entity.GetString("Action") ?? "",
        entity.GetString("Outcome") ?? "",
        entity.GetString("KeyId"),
        entity.GetString("Target"),
        entity.GetString("RefIds") is { Length: > 0 } refIds ? refIds.Split(',') : [],
        (entity.GetString("Counts") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('='))
            .ToDictionary(c => c[0], c => c.Length > 1 && int.TryParse(c[1], CultureInfo.InvariantCulture, out var n) ? n : 0),
        entity.GetString("TraceId"),
        writer,
        entity.GetInt64("Sequence") ?? 0,
        entity.GetString("RootKeyId") ?? "",
        entity.GetBinary("Mac") ?? []);

    private static string Format(DateTime day, string rowKey, int skip) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{day.ToString(DayFormat, CultureInfo.InvariantCulture)}|{rowKey}|{skip.ToString(CultureInfo.InvariantCulture)}"));

    private static (DateTime Day, string? ResumeAt, int Skip) Parse(string continuation)
    {
        try
        {
            // URL-safe, so that the token goes back in a query string as it came.
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation)).Split('|');
            var day = DateTime.ParseExact(parts[0], DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            return parts is [_, { Length: > 0 } rowKey, var skip] && int.TryParse(skip, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                ? (day, rowKey, count)
                : throw new FormatException();
        }
        catch (FormatException)
        {
            throw ShroudException.Invalid("continuationToken", "is not a token this query returned.");
        }
    }
}

/// <summary>One record's fields in a row's <c>Records</c> (its stream, time and writer are the row's).</summary>
internal sealed record AuditRowRecord(
    long Sequence,
    string Action,
    string Outcome,
    string? KeyId,
    string? Target,
    IReadOnlyList<string> RefIds,
    IReadOnlyDictionary<string, int> Counts,
    string? TraceId,
    string RootKeyId,
    byte[] Mac)
{
    public static AuditRowRecord Of(AuditRecord r) => new(r.Sequence, r.Action, r.Outcome, r.KeyId, r.Target, r.RefIds, r.Counts, r.TraceId, r.RootKeyId, r.Mac);

    public AuditRecord ToRecord(string stream, DateTimeOffset time, string writer) =>
        new(stream, time, Action ?? "", Outcome ?? "", KeyId, Target, RefIds ?? [], Counts ?? new Dictionary<string, int>(), TraceId, writer, Sequence, RootKeyId ?? "", Mac ?? []);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditRowRecord))]
[JsonSerializable(typeof(AuditRowRecord[]))]
internal sealed partial class AuditRowJson : JsonSerializerContext;
