using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Deliveries;

namespace Shroud.Api;

/// <summary>
/// A channel's deliveries (<c>configure</c>): the list of those in one status (<c>failed</c> by default), newest first,
/// and a retry of a failed one, which queues it again with a fresh series of attempts.
/// </summary>
public sealed class DeliveriesApi(
    Gatekeeper gatekeeper, AppDirectory directory, IChannelStore channels, IDeliveryStore deliveries, IDeliveryQueue queue, TimeProvider clock, AuditApi audit)
{
    public const int MaxPageSize = 100;

    private static readonly string[] Statuses = [DeliveryStatuses.Failed, DeliveryStatuses.Pending, DeliveryStatuses.Delivered];

    /// <summary>
    /// How long a delivery may stay pending untouched before a retry by hand is taken: the consumer touches a pending
    /// delivery at every attempt (at most 10 minutes apart), so one untouched for longer was never queued, or its queue
    /// message ran out of receipts (poison queue) while storage was down.
    /// </summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromHours(1);

    public async Task<Ok<DeliveryPageResponse>> ListAsync(HttpRequest request, string appId, string channelId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        await EnsureChannelAsync(appId, channelId, ct);
        var query = request.Query;
        var status = Single(query, "status") ?? DeliveryStatuses.Failed;
        if (!Statuses.Contains(status))
        {
            throw ShroudException.Invalid("status", $"must be one of {string.Join(", ", Statuses)}.");
        }

        var pageSize = MaxPageSize;
        if (Single(query, "pageSize") is { } size && !(int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) && pageSize is >= 1 and <= MaxPageSize))
        {
            throw ShroudException.Invalid("pageSize", $"must be a whole number from 1 to {MaxPageSize}.");
        }

        var page = await deliveries.ListAsync(appId, channelId, status, pageSize, Single(query, "continuationToken"), ct);
        return TypedResults.Ok(new DeliveryPageResponse(page.Items.Select(Response).ToList(), page.ContinuationToken));
    }

    public async Task<Accepted<DeliveryResponse>> RetryAsync(HttpRequest request, string appId, string channelId, string deliveryId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        await EnsureChannelAsync(appId, channelId, ct);
        var delivery = (DeliveryIds.IsValid(deliveryId) ? await deliveries.GetAsync(appId, channelId, deliveryId, ct) : null)
            ?? throw new ShroudException(ShroudError.DeliveryNotFound, $"The channel has no delivery '{deliveryId}'.");
        var now = clock.GetUtcNow();
        if (delivery.Status != DeliveryStatuses.Failed && !(delivery.Status == DeliveryStatuses.Pending && delivery.UpdatedAt <= now - StuckAfter))
        {
            throw new ShroudException(
                ShroudError.DeliveryNotFailed,
                $"The delivery is {delivery.Status}; only a failed delivery, or one pending untouched for {StuckAfter.TotalHours:0} h, can be retried.");
        }

        if (delivery.PayloadExpiresAt <= clock.GetUtcNow() || delivery.LastError is "payload_expired" or "payload_unreadable" or "channel_deleted")
        {
            throw new ShroudException(ShroudError.DeliveryExpired, "The delivery's payload has expired; it can no longer be sent.");
        }

        // Pending before it is queued: the consumer only works on pending deliveries, and a second retry meanwhile is a 409.
        var pending = await deliveries.ReplaceAsync(delivery with { Status = DeliveryStatuses.Pending, UpdatedAt = now }, ct);
        try
        {
            await queue.SendAsync(new DeliveryMessage(appId, channelId, deliveryId, delivery.PayloadPartition, delivery.PayloadRow, 1), TimeSpan.Zero, ct);
        }
        catch
        {
            // Not queued: back to what it was, so that the retry can be asked for again. Should storage refuse this too,
            // the delivery stays pending and can be retried once StuckAfter has passed.
            try
            {
                await deliveries.ReplaceAsync(pending with { Status = delivery.Status, UpdatedAt = delivery.UpdatedAt }, CancellationToken.None);
            }
            catch (Exception)
            {
                // The enqueue's own failure is the one to answer with.
            }

            throw;
        }

        await audit.RecordChangeAsync(request, appId, AuditActions.DeliveryRetry, deliveryId);
        return TypedResults.Accepted((string?)null, Response(pending));
    }

    private async Task EnsureChannelAsync(string appId, string channelId, CancellationToken ct)
    {
        if (!ChannelIds.IsValid(channelId) || await channels.GetAsync(appId, channelId, ct) is null)
        {
            throw new ShroudException(ShroudError.ChannelNotFound, $"The app has no channel '{channelId}'.");
        }
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) ? values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : throw ShroudException.Invalid(name, "must be given once, not empty.") : null;

    private static DeliveryResponse Response(Delivery d) =>
        new(d.DeliveryId, d.Status, d.Attempts, d.CreatedAt, d.UpdatedAt, d.PayloadExpiresAt, d.LastStatusCode, d.LastError);
}
