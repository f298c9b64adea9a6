using Shroud.Core.Crypto;

namespace Shroud.Core.Records;

/// <summary>Where a sealed media file's ciphertext lives, its plaintext size, and its file name sealed under its DEK.</summary>
public sealed record MediaBlob(string BlobName, long Size, byte[]? SealedFileName);

/// <summary>A sealed value as stored: one row keyed by expiry partition and ref id; for media the ciphertext is in a blob.</summary>
public sealed record StoredRecord(string PartitionKey, RecordAddress Address, SealedRecord Sealed, MediaBlob? Media = null);

/// <summary>The sealed records: one write per partition to store, one point read to reveal, a sweep of what expired.</summary>
public interface IRecordStore
{
    /// <summary>Writes the rows with one request per partition (a single insert, or entity-group transactions).</summary>
    Task WriteAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken);

    /// <summary>One point read; null when the row is gone.</summary>
    Task<StoredRecord?> ReadAsync(ShroudReference reference, CancellationToken cancellationToken);

    /// <summary>Deletes every record (and media blob) whose expiry hour has passed; returns how many rows it deleted.</summary>
    Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// Record partitions: expiry hour (<c>yyyyMMddHH</c>, UTC) and shard, so every expired row sorts before every live one
/// (a sweep reads only expired partitions) and the shard (first byte of the ref id) spreads concurrent writes over
/// 16 partitions per hour.
/// </summary>
public static class RecordPartitions
{
    public const int Shards = 16;

    public static string For(ShroudReference reference) =>
        $"{reference.ExpiresAt.UtcDateTime:yyyyMMddHH}-{reference.RefIdBytes[0] % Shards:x}";

    /// <summary>The partition keys strictly below this value hold only rows that expired before <paramref name="now"/>'s hour.</summary>
    public static string ExpiredBound(DateTimeOffset now) => $"{now.UtcDateTime:yyyyMMddHH}";
}
