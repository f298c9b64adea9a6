using Shroud.Core.Crypto;
using Shroud.Storage;

namespace Shroud.Core.Records;

/// <summary>Where a sealed media file's ciphertext lives, its plaintext size, and its file name sealed under its DEK.</summary>
public sealed record MediaBlob(string BlobName, long Size, byte[]? SealedFileName);

/// <summary>A sealed value as stored: one row keyed by expiry partition and ref id; for media the ciphertext is in a blob.</summary>
public sealed record StoredRecord(string PartitionKey, RecordAddress Address, SealedRecord Sealed, MediaBlob? Media = null);

/// <summary>
/// The records table. Partition key = expiry hour (<c>yyyyMMddHH</c>, UTC) and shard, row key = ref id:
/// every expired row sorts before every live one, so a sweep reads only expired partitions, and the
/// shard (first byte of the ref id) spreads concurrent writes over 16 partitions per hour. Media rows name the blob
/// holding their ciphertext, which is deleted with them.
/// </summary>
public sealed class RecordStore(TableClient table, BlobContainerClient media)
{
    public const int Shards = 16;
    private const int MaxTransactionActions = 100;

    // Well under the 4 MiB transaction limit once base64 and JSON overhead are counted.
    private const int MaxTransactionBytes = 2_500_000;

    public static string PartitionKeyFor(ShroudReference reference) =>
        $"{reference.ExpiresAt.UtcDateTime:yyyyMMddHH}-{reference.RefIdBytes[0] % Shards:x}";

    /// <summary>The partition keys strictly below this value hold only rows that expired before <paramref name="now"/>'s hour.</summary>
    public static string ExpiredPartitionsBound(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMddHH}";

    /// <summary>Writes the rows with one request per partition (a single insert, or entity-group transactions).</summary>
    public async Task WriteAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 1)
        {
            await table.AddEntityAsync(ToEntity(records[0]), cancellationToken);
            return;
        }

        foreach (var chunk in Chunk(records))
        {
            await table.SubmitTransactionAsync(
                chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(r))).ToList(),
                cancellationToken);
        }
    }

    /// <summary>One point read; null when the row is gone.</summary>
    public async Task<StoredRecord?> ReadAsync(ShroudReference reference, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync(PartitionKeyFor(reference), reference.RefId, ct: cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    /// <summary>
    /// Deletes every row of the partitions whose expiry hour has passed, in transactions of up to 100 rows.
    /// Reads only expired partitions (a range below the current hour), so its cost follows the expired rows alone.
    /// Safe to run twice at once, and to stop at any point: what is left is deleted by the next run.
    /// </summary>
    public async Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey lt '{ExpiredPartitionsBound(now)}'";
        var deleted = 0;
        string? continuation = null;
        do
        {
            var page = await table.QueryPageAsync(filter, ["PartitionKey", "RowKey", BlobNameColumn], 1000, continuation, cancellationToken);

            // Blobs first: a row is only deleted once nothing of its media is left.
            foreach (var blob in page.Items.Select(e => e.GetString(BlobNameColumn)).OfType<string>())
            {
                await media.DeleteIfExistsAsync(blob, cancellationToken);
            }

            foreach (var partition in page.Items.GroupBy(e => e.PartitionKey))
            {
                foreach (var chunk in partition.Chunk(MaxTransactionActions))
                {
                    deleted += await DeleteAsync(chunk, cancellationToken);
                }
            }

            continuation = page.ContinuationToken;
        }
        while (continuation is not null);

        return deleted;
    }

    private async Task<int> DeleteAsync(TableEntity[] rows, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey))).ToList(), cancellationToken);
            return rows.Length;
        }
        catch (StorageException e) when (e.Status == 404)
        {
            // Another sweep deleted some of these rows first; delete the rest one by one.
            var deleted = 0;
            foreach (var row in rows)
            {
                deleted += await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ct: cancellationToken) ? 1 : 0;
            }

            return deleted;
        }
    }

    private static IEnumerable<List<StoredRecord>> Chunk(IReadOnlyList<StoredRecord> records)
    {
        foreach (var partition in records.GroupBy(r => r.PartitionKey))
        {
            var chunk = new List<StoredRecord>();
            var bytes = 0;
            foreach (var record in partition)
            {
                var size = Size(record);
                if (chunk.Count == MaxTransactionActions || (chunk.Count > 0 && bytes + size > MaxTransactionBytes))
                {
                    yield return chunk;
                    chunk = [];
                    bytes = 0;
                }

                chunk.Add(record);
                bytes += size;
            }

            yield return chunk;
        }
    }

    private static int Size(StoredRecord record) => ((record.Sealed.Ciphertext.Length + record.Sealed.WrappedDek.Length) * 4 / 3) + 512;

    private const string BlobNameColumn = "BlobName";

    private static TableEntity ToEntity(StoredRecord record) => new(record.PartitionKey, record.Address.RefId)
    {
        ["AppId"] = record.Address.AppId,
        ["ExpiresAt"] = record.Address.ExpiresAt,
        ["ContentType"] = record.Address.ContentType,
        ["Data"] = record.Media is null ? record.Sealed.Ciphertext : null,
        ["Dek"] = record.Sealed.WrappedDek,
        ["KekVersion"] = record.Sealed.KekVersion,
        [BlobNameColumn] = record.Media?.BlobName,
        ["Size"] = record.Media?.Size,
        ["FileName"] = record.Media?.SealedFileName,
    };

    private static StoredRecord FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        new RecordAddress(
            entity.GetString("AppId") ?? "",
            entity.RowKey,
            entity.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue,
            entity.GetString("ContentType") ?? ""),
        new SealedRecord(entity.GetBinary("Data") ?? [], entity.GetBinary("Dek") ?? [], entity.GetInt32("KekVersion") ?? 0),
        entity.GetString(BlobNameColumn) is { } blobName ? new MediaBlob(blobName, entity.GetInt64("Size") ?? 0, entity.GetBinary("FileName")) : null);
}
