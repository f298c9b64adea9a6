using Azure;

namespace Shroud.Core.Channels.Deliveries;

/// <summary>The states of a delivery.</summary>
public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>
/// One delivery of a channel's webhook to its bot: its state, attempts so far, where its sealed payload row is (and
/// when that expires), the last answer or error, and when the row may be swept (<paramref name="SweepAt"/>).
/// </summary>
public sealed record Delivery(
    string AppId,
    string ChannelId,
    string DeliveryId,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string PayloadPartition,
    string PayloadRow,
    DateTimeOffset PayloadExpiresAt,
    int? LastStatusCode,
    string? LastError,
    ETag ETag = default)
{
    /// <summary>How long a delivery row keeps answering a channel's retry of the same message as a duplicate.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromHours(24);

    /// <summary>Kept while it can still tell duplicates apart, and while its payload could still be retried.</summary>
    public DateTimeOffset SweepAt => CreatedAt + DuplicateWindow > PayloadExpiresAt ? CreatedAt + DuplicateWindow : PayloadExpiresAt;

    public bool HasPayload(string partition, string row) => PayloadPartition == partition && PayloadRow == row;
}

/// <summary>One page of a channel's deliveries, newest first, and the token of the next page (null at the end).</summary>
public sealed record DeliveryPage(IReadOnlyList<Delivery> Items, string? ContinuationToken);

/// <summary>The deliveries of every channel, keyed (app, channel, delivery id).</summary>
public interface IDeliveryStore
{
    /// <summary>Inserts the delivery; null when it was inserted, else the delivery already stored under its key.</summary>
    Task<Delivery?> TryAddAsync(Delivery delivery, CancellationToken cancellationToken);

    Task<Delivery?> GetAsync(string appId, string channelId, string deliveryId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the stored delivery if it still has <see cref="Delivery.ETag"/> (any version when it is default);
    /// <see cref="ShroudError.PreconditionFailed"/> otherwise. Returns it with its new ETag.
    /// </summary>
    Task<Delivery> ReplaceAsync(Delivery delivery, CancellationToken cancellationToken);

    /// <summary>A channel's deliveries in <paramref name="status"/>, most recently changed first.</summary>
    Task<DeliveryPage> ListAsync(string appId, string channelId, string status, int pageSize, string? continuationToken, CancellationToken cancellationToken);

    /// <summary>Deletes the deliveries whose <see cref="Delivery.SweepAt"/> has passed; cost follows the deleted rows. Returns how many.</summary>
    Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
