using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Channels.Deliveries;

namespace Shroud.Storage;

/// <summary>
/// The deliveries table. A delivery row is keyed (<c>{appId}|{channelId}</c>, delivery id), so the consumer's
/// idempotency check is one insert. Beside each, an index row in partition <c>~sweep-{yyyyMMddHHmm}</c> of its
/// <see cref="Delivery.SweepAt"/> names it, so the sweep reads only the minutes that have passed: its cost follows the
/// rows it deletes, never the live ones. The index row is written first, so no delivery row lacks one; an index row
/// whose delivery was replaced with a later sweep time is dropped without deleting it.
/// </summary>
public sealed class DeliveryTable(TableClient table) : IDeliveryStore
{
    private const string SweepPrefix = "~sweep-";

    public async Task<Delivery?> TryAddAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        await table.UpsertEntityAsync(IndexEntity(delivery), TableUpdateMode.Replace, cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(delivery), cancellationToken);
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await GetAsync(delivery.AppId, delivery.ChannelId, delivery.DeliveryId, cancellationToken)
                ?? throw new ShroudException(ShroudError.StorageUnavailable, "A delivery was deleted while it was being added; retry.");
        }
    }

    public async Task<Delivery?> GetAsync(string appId, string channelId, string deliveryId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(Partition(appId, channelId), deliveryId, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    public async Task<Delivery> ReplaceAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var current = await GetAsync(delivery.AppId, delivery.ChannelId, delivery.DeliveryId, cancellationToken);
        if (current is not null && current.SweepAt != delivery.SweepAt)
        {
            await table.UpsertEntityAsync(IndexEntity(delivery), TableUpdateMode.Replace, cancellationToken);
        }

        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(delivery), delivery.ETag == default ? ETag.All : delivery.ETag, TableUpdateMode.Replace, cancellationToken);
            return delivery with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw new ShroudException(ShroudError.PreconditionFailed, "The delivery has changed since it was read.");
        }
    }

    public async Task<DeliveryPage> ListAsync(string appId, string channelId, string status, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var after = ParseToken(continuationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition(appId, channelId)} and Status eq {status}");
        var all = new List<Delivery>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            all.Add(FromEntity(entity));
        }

        // Newest change first; the delivery id breaks ties, so a token names one place in the order.
        var ordered = all.OrderByDescending(d => d.UpdatedAt).ThenBy(d => d.DeliveryId, StringComparer.Ordinal)
            .Where(d => after is not { } a || d.UpdatedAt < a.UpdatedAt || (d.UpdatedAt == a.UpdatedAt && string.CompareOrdinal(d.DeliveryId, a.DeliveryId) > 0))
            .Take(pageSize + 1)
            .ToList();
        var page = ordered.Take(pageSize).ToList();
        return new DeliveryPage(page, ordered.Count > pageSize ? Token(page[^1]) : null);
    }

    public async Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var bound = SweepPrefix + Minute(now);
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {SweepPrefix} and PartitionKey lt {bound}");
        var deleted = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey", "Target"], cancellationToken: cancellationToken).AsPages())
        {
            foreach (var index in page.Values)
            {
                var parts = (index.GetString("Target") ?? "").Split('\n');
                if (parts.Length == 2)
                {
                    var row = await table.GetEntityIfExistsAsync<TableEntity>(parts[0], parts[1], select: ["SweepAt"], cancellationToken: cancellationToken);
                    if (row.HasValue && row.Value!.GetDateTimeOffset("SweepAt") is { } sweepAt && sweepAt < now)
                    {
                        deleted += await DeleteIfUnchangedAsync(parts[0], parts[1], row.Value.ETag, cancellationToken);
                    }
                }

                await table.DeleteEntityAsync(index.PartitionKey, index.RowKey, ETag.All, cancellationToken);
            }
        }

        return deleted;
    }

    private async Task<int> DeleteIfUnchangedAsync(string partition, string row, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partition, row, etag, cancellationToken);
            return 1;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Deleted by another sweep, or changed (and given a later sweep time with its own index row) since it was read.
            return 0;
        }
    }

    private static string Partition(string appId, string channelId) => $"{appId}|{channelId}";

    private static string Minute(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    // The sweep minute rounded up: an index row is only read once its delivery's sweep time has passed.
    private static TableEntity IndexEntity(Delivery d) =>
        new(SweepPrefix + Minute(d.SweepAt.AddMinutes(1)), $"{d.AppId}|{d.ChannelId}|{d.DeliveryId}")
        {
            ["Target"] = $"{Partition(d.AppId, d.ChannelId)}\n{d.DeliveryId}",
        };

    private static TableEntity ToEntity(Delivery d) => new(Partition(d.AppId, d.ChannelId), d.DeliveryId)
    {
        ["AppId"] = d.AppId,
        ["ChannelId"] = d.ChannelId,
        ["Status"] = d.Status,
        ["Attempts"] = d.Attempts,
        ["CreatedAt"] = d.CreatedAt,
        ["UpdatedAt"] = d.UpdatedAt,
        ["PayloadPartition"] = d.PayloadPartition,
        ["PayloadRow"] = d.PayloadRow,
        ["PayloadExpiresAt"] = d.PayloadExpiresAt,
        ["LastStatusCode"] = d.LastStatusCode,
        ["LastError"] = d.LastError,
        ["SweepAt"] = d.SweepAt,
    };

    private static Delivery FromEntity(TableEntity e) => new(
        e.GetString("AppId") ?? "",
        e.GetString("ChannelId") ?? "",
        e.RowKey,
        e.GetString("Status") ?? "",
        e.GetInt32("Attempts") ?? 0,
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue,
        e.GetString("PayloadPartition") ?? "",
        e.GetString("PayloadRow") ?? "",
        e.GetDateTimeOffset("PayloadExpiresAt") ?? DateTimeOffset.MinValue,
        e.GetInt32("LastStatusCode"),
        e.GetString("LastError"),
        e.ETag);

    private static string Token(Delivery last) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{last.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.DeliveryId}"));

    private static (DateTimeOffset UpdatedAt, string DeliveryId)? ParseToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks && DeliveryIds.IsValid(parts[1]))
            {
                return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
            }
        }
        catch (FormatException)
        {
            // Not base64url: the same answer as any other token this list did not return.
        }

        throw ShroudException.Invalid("continuationToken", "is not a token this list returned.");
    }
}
