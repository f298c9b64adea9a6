using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Shroud.Core.Crypto;
using Shroud.Core.Records;

namespace Shroud.Storage;

/// <summary>
/// The records table. Partition key = <see cref="RecordPartitions"/> (expiry minute and shard), row key = ref id, so a
/// sweep reads only expired partitions (and, until the last of them is swept, the current hour's of the hourly layout). Media rows name the blob holding their ciphertext, which is deleted with them.
/// </summary>
public sealed class RecordTable(TableClient table, BlobContainerClient media) : IRecordStore
{

    // Well under the 4 MiB transaction limit once base64 and JSON overhead are counted.
    private const int MaxTransactionBytes = 2_500_000;

    public async Task WriteAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 1)
        {
            try
            {
                await table.AddEntityAsync(ToEntity(records[0]), cancellationToken);
            }
            catch (RequestFailedException e) when (e.ErrorCode == EntityAlreadyExists)
            {
                if (!await IsWrittenAsync(records[0], cancellationToken))
                {
                    throw;
                }
            }

            return;
        }

        foreach (var chunk in Chunk(records))
        {
            try
            {
                await table.TransactAsync(
                    chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(r))).ToList(),
                    cancellationToken);
            }
            catch (TableTransactionFailedException e) when (e.ErrorCode == EntityAlreadyExists)
            {
                // A transaction is all or nothing: when the row it failed on is this request's, every row of it is.
                if (!await IsWrittenAsync(chunk[e.FailedTransactionActionIndex ?? 0], cancellationToken))
                {
                    throw;
                }
            }
        }
    }

    private const string EntityAlreadyExists = "EntityAlreadyExists";

    /// <summary>
    /// Whether this very record is already stored: true after an insert whose answer was lost and that the SDK's retry
    /// sent again. The stored row is ours only if it holds our wrapped DEK, whose fresh random key and nonce no other
    /// writer can have produced; a row under the same key with anything else is not ours, and the write fails.
    /// </summary>
    private async Task<bool> IsWrittenAsync(StoredRecord record, CancellationToken cancellationToken)
    {
        var stored = await table.GetEntityIfExistsAsync<TableEntity>(record.PartitionKey, record.Address.RefId, select: ["Dek"], cancellationToken: cancellationToken);
        return stored.HasValue && stored.Value!.GetBinary("Dek") is { } dek && dek.AsSpan().SequenceEqual(record.Sealed.WrappedDek);
    }

    public async Task<StoredRecord?> ReadAsync(ShroudReference reference, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(RecordPartitions.For(reference), reference.RefId, cancellationToken: cancellationToken);
        if (!entity.HasValue)
        {
            // A reference issued before the minute layout: its row keeps its hourly key until the sweep deletes it.
            entity = await table.GetEntityIfExistsAsync<TableEntity>(RecordPartitions.HourlyFor(reference), reference.RefId, cancellationToken: cancellationToken);
        }

        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    /// <summary>
    /// Deletes every row that expired before the current minute, in transactions of up to 100 rows.
    /// Reads only partitions whose minute has passed (a key range), so its cost follows the expired rows alone; the
    /// expiry column filter keeps the live rows of the previous layout's current hour, which that range includes.
    /// Safe to run twice at once, and to stop at any point: what is left is deleted by the next run.
    /// </summary>
    public async Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {RecordPartitions.ExpiredBound(now)} and ExpiresAt lt {RecordPartitions.SweepCutoff(now)}");
        var deleted = 0;
        var pages = table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey", BlobNameColumn], cancellationToken: cancellationToken);
        await foreach (var page in pages.AsPages())
        {
            // Blobs first: a row is only deleted once nothing of its media is left.
            foreach (var blob in page.Values.Select(e => e.GetString(BlobNameColumn)).OfType<string>())
            {
                await media.DeleteBlobIfExistsAsync(blob, cancellationToken: cancellationToken);
            }

            deleted += await table.DeleteRowsAsync(page.Values, cancellationToken);
        }

        return deleted;
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
                if (chunk.Count == TableTransactions.MaxTransactionActions || (chunk.Count > 0 && bytes + size > MaxTransactionBytes))
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
