using System.Globalization;
using Shroud.Core.Crypto;

namespace Shroud.Core.Records;

/// <summary>Where a sealed media file's ciphertext lives, its plaintext size, and its file name sealed under its DEK.</summary>
public sealed record MediaBlob(string BlobName, long Size, byte[]? SealedFileName);

/// <summary>A sealed value as stored: one row keyed by expiry partition and ref id; for media the ciphertext is in a blob.</summary>
public sealed record StoredRecord(string PartitionKey, RecordAddress Address, SealedRecord Sealed, MediaBlob? Media = null);

/// <summary>
/// A webhook's sealed payload waiting for delivery, stored beside the values it references and swept with them at
/// <paramref name="ExpiresAt"/>. <paramref name="Sealed"/> is the payload sealed under app KEK <paramref name="KekVersion"/>.
/// <paramref name="HeldSince"/>: when the webhook that left fields for the delivery consumer to judge arrived (Shroud's
/// placeholders, trusted only in a payload so marked); null when it left none.
/// </summary>
public sealed record StoredPayload(
    string PartitionKey, string RowKey, string AppId, string ChannelId, string DeliveryId, DateTimeOffset ExpiresAt, int KekVersion, byte[] Sealed,
    DateTimeOffset? HeldSince = null);

/// <summary>The sealed records: one write per partition to store, one point read to reveal, a sweep of what expired.</summary>
public interface IRecordStore
{
    /// <summary>Writes the rows with one request per partition (a single insert, or entity-group transactions).</summary>
    Task WriteAsync(IReadOnlyList<StoredRecord> records, CancellationToken cancellationToken);

    /// <summary>One point read (a second for a row the previous layout keyed by expiry hour); null when the row is gone.</summary>
    Task<StoredRecord?> ReadAsync(ShroudReference reference, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the rows and a delivery payload row, all in the payload's partition, in one entity-group transaction (more,
    /// in order and the payload last, only when they exceed one transaction's 100 rows or 4 MiB): once the payload row is
    /// stored, every value it references is.
    /// </summary>
    Task WriteAsync(IReadOnlyList<StoredRecord> records, StoredPayload payload, CancellationToken cancellationToken);

    /// <summary>One point read of a delivery payload row; null when it is gone (delivered, dropped or swept).</summary>
    Task<StoredPayload?> ReadPayloadAsync(string partitionKey, string rowKey, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the sealed bytes of a delivery payload row that exists (a payload whose media files were sealed, so a
    /// retry does not download them again); false when the row is gone.
    /// </summary>
    Task<bool> ReplacePayloadAsync(StoredPayload payload, CancellationToken cancellationToken);

    /// <summary>Deletes a delivery payload row; one already gone is not an error.</summary>
    Task DeletePayloadAsync(string partitionKey, string rowKey, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every record (and media blob) that expired before the start of <paramref name="now"/>'s minute
    /// (<see cref="RecordPartitions.SweepCutoff"/>), hence every one that expired 60 s or more before; returns how many
    /// rows it deleted.
    /// </summary>
    Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// Record partitions: expiry minute (<c>yyyyMMddHHmm</c>, UTC) and shard, so the partitions whose minute has passed
/// (every key below <see cref="ExpiredBound"/>) hold only expired rows and a sweep reads no live one, and the shard
/// (first byte of the ref id) spreads concurrent writes over 16 partitions per minute.
/// Rows written before this layout are keyed by expiry hour (<c>yyyyMMddHH-s</c>) until they are swept. Such a key
/// sorts after the minute keys of earlier hours and before those of its own hour (<c>-</c> sorts before digits): below
/// the bound once its hour has begun, while some of its rows may still be live, so the sweep also compares each row's
/// expiry column with <see cref="SweepCutoff"/>.
/// </summary>
public static class RecordPartitions
{
    public const int Shards = 16;

    // Storage orders partition keys as strings: they are written with the invariant culture (Gregorian years, no
    // culture's own calendar), whatever culture the host runs with.
    public static string For(ShroudReference reference) => For(reference.ExpiresAt, reference.RefIdBytes[0]);

    /// <summary>The partition of rows expiring at <paramref name="expiresAt"/> in the shard of first ref id byte <paramref name="shard"/>.</summary>
    public static string For(DateTimeOffset expiresAt, byte shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{expiresAt.UtcDateTime:yyyyMMddHHmm}-{(shard % Shards).ToString("x", CultureInfo.InvariantCulture)}");

    /// <summary>The partition a reference's row has when the previous layout (expiry hour and shard) wrote it.</summary>
    public static string HourlyFor(ShroudReference reference) =>
        string.Create(CultureInfo.InvariantCulture, $"{reference.ExpiresAt.UtcDateTime:yyyyMMddHH}-{Shard(reference)}");

    /// <summary>
    /// The start of <paramref name="now"/>'s minute: a sweep deletes the rows that expired before it. Expiries are whole
    /// seconds, so that is never a live row, and always every row that expired 60 s or more before <paramref name="now"/>.
    /// </summary>
    public static DateTimeOffset SweepCutoff(DateTimeOffset now) =>
        new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>
    /// The partition keys below this value hold rows that expired before <see cref="SweepCutoff"/>, all of them in
    /// minute partitions; in hourly partitions of the current hour only some of them.
    /// </summary>
    public static string ExpiredBound(DateTimeOffset now) => string.Create(CultureInfo.InvariantCulture, $"{SweepCutoff(now).UtcDateTime:yyyyMMddHHmm}");

    private static string Shard(ShroudReference reference) => (reference.RefIdBytes[0] % Shards).ToString("x", CultureInfo.InvariantCulture);
}
