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

    /// <summary>Largest binary property: a sealed payload is split over <c>Payload0</c>, <c>Payload1</c>, … of at most this size.</summary>
    private const int MaxBinaryProperty = 64 * 1024;

    public async Task WriteAsync(IReadOnlyList<StoredRecord> records, StoredPayload payload, CancellationToken cancellationToken)
    {
        if (records.Any(r => r.PartitionKey != payload.PartitionKey))
        {
            throw new ArgumentException("A payload and its values share one partition.", nameof(records));
        }

        var rows = records.Select(r => (Entity: ToEntity(r), Size: Size(r), Proof: r.Sealed.WrappedDek, ProofColumn: "Dek"))
            .Append((Entity: PayloadEntity(payload), Size: payload.Sealed.Length * 4 / 3 + 1024, Proof: payload.Sealed[..Math.Min(payload.Sealed.Length, MaxBinaryProperty)], ProofColumn: "Payload0"))
            .ToList();
        var chunk = new List<(TableEntity Entity, int Size, byte[] Proof, string ProofColumn)>();
        var bytes = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            chunk.Add(rows[i]);
            bytes += rows[i].Size;
            var last = i == rows.Count - 1;
            if (last || chunk.Count == TableTransactions.MaxTransactionActions || bytes + rows[i + 1].Size > MaxTransactionBytes)
            {
                try
                {
                    await table.TransactAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r.Entity)).ToList(), cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.ErrorCode == EntityAlreadyExists)
                {
                    // As above: the transaction was already stored when the row it failed on holds our random key material.
                    var failed = chunk[e.FailedTransactionActionIndex ?? 0];
                    var stored = await table.GetEntityIfExistsAsync<TableEntity>(failed.Entity.PartitionKey, failed.Entity.RowKey, select: [failed.ProofColumn], cancellationToken: cancellationToken);
                    if (!(stored.HasValue && stored.Value!.GetBinary(failed.ProofColumn) is { } proof && proof.AsSpan().SequenceEqual(failed.Proof)))
                    {
                        throw;
                    }
                }

                chunk = [];
                bytes = 0;
            }
        }
    }

    public async Task<StoredPayload?> ReadPayloadAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
        if (!entity.HasValue)
        {
            return null;
        }

        var e = entity.Value!;
        var parts = Enumerable.Range(0, e.GetInt32("PayloadParts") ?? 0).Select(i => e.GetBinary($"Payload{i}") ?? []).ToList();
        return new StoredPayload(
            e.PartitionKey, e.RowKey, e.GetString("AppId") ?? "", e.GetString("ChannelId") ?? "", e.GetString("DeliveryId") ?? "",
            e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue, e.GetInt32("KekVersion") ?? 0, parts.SelectMany(p => p).ToArray(), e.GetDateTimeOffset("HeldSince"));
    }

    public async Task<bool> ReplacePayloadAsync(StoredPayload payload, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(PayloadEntity(payload), ETag.All, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    public async Task DeletePayloadAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already deleted: by a redelivery of the same message, or by the sweep.
        }
    }

    /// <summary>A payload row: swept like the values (it has their expiry column), its sealed bytes in 64 KiB properties.</summary>
    private static TableEntity PayloadEntity(StoredPayload payload)
    {
        var entity = new TableEntity(payload.PartitionKey, payload.RowKey)
        {
            ["AppId"] = payload.AppId,
            ["ChannelId"] = payload.ChannelId,
            ["DeliveryId"] = payload.DeliveryId,
            ["ExpiresAt"] = payload.ExpiresAt,
            ["KekVersion"] = payload.KekVersion,
            ["HeldSince"] = payload.HeldSince,
        };
        var parts = 0;
        for (var offset = 0; offset < payload.Sealed.Length; offset += MaxBinaryProperty, parts++)
        {
            entity[$"Payload{parts}"] = payload.Sealed[offset..Math.Min(payload.Sealed.Length, offset + MaxBinaryProperty)];
        }

        entity["PayloadParts"] = parts;
        return entity;
    }

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
