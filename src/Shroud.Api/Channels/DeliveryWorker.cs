using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Apps;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Deliveries;
using Shroud.Core.Crypto;
using Shroud.Core.Records;

namespace Shroud.Api.Channels;

/// <summary>
/// The delivery queue's consumer, the same in both hosts: posts one webhook's sealed payload to its channel's
/// <c>forwardUrl</c>, signed with the channel's forward secret. Idempotent per delivery: the deliveries table is the
/// record of what was done, so a redelivered message, a second copy of the channel's webhook or a retry after a crash
/// forwards nothing twice that had already been answered with 2xx. Before anything is forwarded, what the webhook left
/// unsealed is judged again by its conversation's current state (<see cref="ChannelInbox.ResolveAsync"/>), then pending
/// media files are sealed. A failed attempt enqueues the next one with a
/// growing delay; after the last the delivery is kept as failed. An exception (storage down) leaves the message to
/// reappear: at least once, never lost.
/// </summary>
public sealed class DeliveryWorker(
    IDeliveryStore deliveries,
    IRecordStore records,
    ChannelDirectory channels,
    ChannelSecrets secrets,
    AppDirectory directory,
    IDeliveryQueue queue,
    IHttpClientFactory httpClients,
    ChannelInbox inbox,
    InboundMediaSealer media,
    IOptions<ChannelOptions> options,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger)
{
    /// <summary>The named HTTP client of deliveries (see <see cref="ChannelOutboundHandler"/>).</summary>
    public const string HttpClientName = "shroud-deliveries";

    /// <summary>How long the bot has to answer one delivery.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public const string SignatureHeader = "Shroud-Signature";
    public const string ChannelHeader = "Shroud-Channel";
    public const string DeliveryIdHeader = "Shroud-Delivery-Id";

    /// <summary>Handles one queue message (its text, as the Functions queue trigger binds it as a string).</summary>
    public async Task ProcessAsync(string message, CancellationToken cancellationToken)
    {
        if (DeliveryMessage.TryParse(message) is not { } m)
        {
            // Nothing Shroud wrote; retrying it cannot help, so it is dropped (its text is not logged).
            logger.LogWarning("Dropped a delivery queue message that is not a delivery");
            return;
        }

        var now = clock.GetUtcNow();
        var payload = await records.ReadPayloadAsync(m.Partition, m.Row, cancellationToken);
        var delivery = await ClaimAsync(m, payload, now, cancellationToken);
        if (delivery is null)
        {
            return;
        }

        if (payload is null || payload.ExpiresAt <= now)
        {
            await FinishAsync(delivery with { Status = DeliveryStatuses.Failed, LastError = "payload_expired" }, m, cancellationToken);
            return;
        }

        var channel = await channels.GetAsync(m.AppId, m.ChannelId, cancellationToken);
        if (channel is null)
        {
            await records.DeletePayloadAsync(m.Partition, m.Row, cancellationToken);
            await FinishAsync(delivery with { Status = DeliveryStatuses.Failed, LastError = "channel_deleted" }, m, cancellationToken);
            return;
        }

        var body = await OpenAsync(m, payload, cancellationToken);
        if (body is null)
        {
            await FinishAsync(delivery with { Status = DeliveryStatuses.Failed, LastError = "payload_unreadable" }, m, cancellationToken);
            return;
        }

        if (payload.HeldSince is not null)
        {
            body = await inbox.ResolveAsync(payload, body, cancellationToken);
            payload = payload with { HeldSince = null };
            await SaveAsync(m, payload, body, cancellationToken);
        }

        var opened = await secrets.OpenAsync(m.AppId, channel, cancellationToken);
        string? mediaError = null;
        try
        {
            body = await media.SealAsync(m.AppId, channel, opened, body, sealedBody => SaveAsync(m, payload, sealedBody, cancellationToken), cancellationToken);
        }
        catch (ChannelMediaException e)
        {
            // Retried as a failed delivery is; the error is a code, never the URL, the token or the channel's answer.
            mediaError = e.Error;
        }

        var (statusCode, error) = mediaError is null
            ? await PostAsync(channel, m, body, opened[ChannelSecrets.ForwardSecretName], cancellationToken)
            : (null, mediaError);
        delivery = delivery with { Attempts = delivery.Attempts + 1, LastStatusCode = statusCode, LastError = error };
        if (statusCode is >= 200 and < 300)
        {
            await FinishAsync(delivery with { Status = DeliveryStatuses.Delivered, LastError = null }, m, cancellationToken);
            await records.DeletePayloadAsync(m.Partition, m.Row, cancellationToken);
            return;
        }

        if (m.Attempt >= options.Value.DeliveryMaxAttempts)
        {
            await FinishAsync(delivery with { Status = DeliveryStatuses.Failed }, m, cancellationToken);
            return;
        }

        // The next attempt is queued before this message is deleted (by the caller, once this returns): a crash in
        // between delivers twice at worst, never not at all.
        var delay = options.Value.RetryDelayAfter(m.Attempt);
        await deliveries.ReplaceAsync(delivery with { UpdatedAt = clock.GetUtcNow() }, cancellationToken);
        await queue.SendAsync(m with { Attempt = m.Attempt + 1 }, delay, cancellationToken);
        logger.LogInformation(
            "Delivery {AppId}/{ChannelId}/{DeliveryId} attempt {Attempt} failed ({StatusCode} {Error}); next in {Delay}",
            m.AppId, m.ChannelId, m.DeliveryId, m.Attempt, statusCode, error, delay);
    }

    /// <summary>
    /// The signature header of a delivery: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "{t}.{body}"&gt;</c>, keyed with the
    /// channel's forward secret (its UTF-8 text).
    /// </summary>
    public static string Signature(string forwardSecret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(forwardSecret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }

    /// <summary>
    /// Records this message's delivery, or finds it recorded: the delivery to go on with, or null when there is nothing
    /// to do (already delivered or failed; a channel's duplicate, whose payload row is deleted unsent).
    /// </summary>
    private async Task<Delivery?> ClaimAsync(DeliveryMessage m, StoredPayload? payload, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fresh = new Delivery(
            m.AppId, m.ChannelId, m.DeliveryId, DeliveryStatuses.Pending, 0, now, now, m.Partition, m.Row, payload?.ExpiresAt ?? now, null, null);
        if (payload is null)
        {
            // Gone before its first attempt (swept, or deleted by a delivery of this very message): only a recorded
            // pending delivery of this payload is left to settle, as failed.
            var known = await deliveries.GetAsync(m.AppId, m.ChannelId, m.DeliveryId, cancellationToken);
            return known is { Status: DeliveryStatuses.Pending } && known.HasPayload(m.Partition, m.Row) ? known : null;
        }

        var existing = await deliveries.TryAddAsync(fresh, cancellationToken);
        if (existing is null)
        {
            return fresh;
        }

        if (existing.HasPayload(m.Partition, m.Row))
        {
            return existing.Status == DeliveryStatuses.Pending ? existing : null;
        }

        if (existing.CreatedAt > now - Delivery.DuplicateWindow)
        {
            logger.LogInformation("Delivery {AppId}/{ChannelId}/{DeliveryId}: the channel sent it again; dropped", m.AppId, m.ChannelId, m.DeliveryId);
            await records.DeletePayloadAsync(m.Partition, m.Row, cancellationToken);
            return null;
        }

        // The same key more than a day later: a new message as far as duplicates go.
        return await deliveries.ReplaceAsync(fresh with { ETag = existing.ETag }, cancellationToken);
    }

    private async Task<byte[]?> OpenAsync(DeliveryMessage m, StoredPayload payload, CancellationToken cancellationToken)
    {
        var kek = await directory.GetAsync(m.AppId, payload.KekVersion, cancellationToken);
        try
        {
            return kek is null ? null : DeliveryPayloads.Open(kek, m.ChannelId, m.DeliveryId, m.Partition, m.Row, payload.Sealed);
        }
        catch (CryptoFailure)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores the payload again (its late fields resolved, its media files sealed), sealed as the webhook sealed it, so a
    /// retry neither seals nor downloads them again.
    /// </summary>
    private async Task SaveAsync(DeliveryMessage m, StoredPayload payload, byte[] body, CancellationToken cancellationToken)
    {
        var kek = await directory.GetAsync(m.AppId, payload.KekVersion, cancellationToken)
            ?? throw new InvalidOperationException("The payload's KEK version is gone.");
        var sealedBody = DeliveryPayloads.Seal(kek, m.ChannelId, m.DeliveryId, m.Partition, m.Row, body);
        await records.ReplacePayloadAsync(payload with { Sealed = sealedBody }, cancellationToken);
    }

    private async Task<(int? StatusCode, string? Error)> PostAsync(Channel channel, DeliveryMessage m, byte[] body, string forwardSecret, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.ForwardUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(forwardSecret, clock.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation(ChannelHeader, m.ChannelId);
        request.Headers.TryAddWithoutValidation(DeliveryIdHeader, m.DeliveryId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException e)
        {
            return (null, e.HttpRequestError == HttpRequestError.Unknown ? "request_failed" : ToSnakeCase(e.HttpRequestError.ToString()));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "timeout");
        }
    }

    private async Task FinishAsync(Delivery delivery, DeliveryMessage m, CancellationToken cancellationToken)
    {
        await deliveries.ReplaceAsync(delivery with { UpdatedAt = clock.GetUtcNow() }, cancellationToken);
        logger.LogInformation(
            "Delivery {AppId}/{ChannelId}/{DeliveryId} {Status} after attempt {Attempt} ({StatusCode} {Error})",
            m.AppId, m.ChannelId, m.DeliveryId, delivery.Status, m.Attempt, delivery.LastStatusCode, delivery.LastError);
    }

    private static string ToSnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
