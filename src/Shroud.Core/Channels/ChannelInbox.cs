using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shroud.Core.Channels.Deliveries;
using Shroud.Core.Channels.Inbound;
using Shroud.Core.Events;
using Shroud.Core.Records;

namespace Shroud.Core.Channels;

/// <summary>
/// Takes a verified webhook call: seals its sensitive fields in the channel's own JSON, stores the values and the
/// sealed payload in one entity-group transaction, and enqueues its delivery with one message. Once both succeeded
/// the channel may be answered; what follows is the queue consumer's.
/// </summary>
/// <remarks>
/// A verified call is never refused for its content: a channel retries a 4xx until it gives up, and may turn the webhook
/// off. A value over <c>Shroud__MaxValueBytes</c>, and every value past <see cref="ChatEvents.MaxValues"/> in one call,
/// is replaced by <see cref="Truncated"/> (the redaction text, no reference, no plaintext) and the rest is delivered; a
/// body that is not a JSON object of valid Unicode (nor a form) is accepted with nothing stored or delivered, and a
/// warning naming only the channel.
/// </remarks>
public sealed class ChannelInbox(
    ConversationConfigurations configurations,
    Vault vault,
    IRecordStore records,
    IDeliveryQueue queue,
    IOptions<ShroudOptions> options,
    ShroudMetrics metrics,
    ILogger<ChannelInbox> logger)
{
    /// <summary>Marks a value dropped rather than sealed (too large, or past the count limit): <c>"truncated": true</c>.</summary>
    public const string TruncatedProperty = "truncated";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly JsonSerializerOptions Forwarded = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = ChatEvents.MaxDepth };

    /// <summary>Accepts one call's body (already verified); returns its delivery id, or null when the body was unreadable and nothing was queued.</summary>
    public async Task<string?> AcceptAsync(string appId, Channel channel, ChannelKind kind, ReadOnlyMemory<byte> body, string? contentType, CancellationToken cancellationToken)
    {
        if (Parse(body.Span, contentType) is not { } root)
        {
            logger.LogWarning("Channel {ChannelId} of app {AppId} posted a body that is not a JSON object; nothing was delivered", channel.Id, appId);
            return null;
        }

        var payload = InboundMappers.All[kind].Map(root);
        var rules = await configurations.ForAsync(appId, payload.Messages.Select(m => m.ConversationId ?? ""), cancellationToken);

        var targets = new List<InboundField>();
        var files = new List<bool>();
        var items = new List<SealItem>();
        var dropped = new List<InboundField>();
        var seen = new HashSet<(JsonObject, string)>();
        TimeSpan? shortest = null;
        foreach (var message in payload.Messages)
        {
            var configuration = rules[message.ConversationId ?? ""];
            var asMessage = SensitivityRules.Decide(new EventFacts("message", message.Author, null, false), configuration);
            var asMedia = SensitivityRules.Decide(new EventFacts("media", message.Author, null, false), configuration);
            foreach (var field in message.Fields)
            {
                var seals = field.Kind == InboundFieldKind.Text ? asMessage.Text : asMessage.Media || asMedia.Media;
                if (!seals || !seen.Add((field.Container, field.Property)) || field.Container[field.Property] is not { } node)
                {
                    continue;
                }

                var isText = node is JsonValue v && v.GetValueKind() == JsonValueKind.String;
                var value = isText ? node.GetValue<string>() : node.ToJsonString();
                if (items.Count >= ChatEvents.MaxValues || Encoding.UTF8.GetByteCount(value) > options.Value.MaxValueBytes)
                {
                    dropped.Add(field);
                    continue;
                }

                targets.Add(field);
                files.Add(field.IsFile && asMedia.Media);
                items.Add(new SealItem(field.Path, value, null, isText ? Vault.TextContentType : Vault.JsonContentType));
                var ttl = configuration?.Ttl ?? options.Value.DefaultTtl;
                shortest = shortest is { } s && s < ttl ? s : ttl;
            }
        }

        // Every value and the payload share the shortest TTL among them (the safe direction), hence one partition.
        var prepared = await vault.PrepareAsync(appId, items, shortest ?? options.Value.DefaultTtl, cancellationToken);
        for (var i = 0; i < targets.Count; i++)
        {
            var sealedField = new JsonObject
            {
                [ChatEvents.ReferenceProperty] = prepared.Values[i].Reference,
                [ChatEvents.RedactedProperty] = prepared.Values[i].Redacted,
            };
            if (files[i])
            {
                // The file itself is downloaded by the delivery consumer, not while the channel waits for its answer.
                sealedField[InboundMedia.PendingProperty] = true;
            }

            targets[i].Container[targets[i].Property] = sealedField;
        }

        foreach (var field in dropped)
        {
            field.Container[field.Property] = Truncated(prepared.Redaction);
        }

        var deliveryId = DeliveryIds.For(channel.Id, payload.IdempotencyKey);
        var partition = prepared.PartitionKey!;

        // A random suffix: a channel's retry of one message is a second row (dropped by the consumer), never a clash.
        var row = $"d.{deliveryId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(payload.Root, Forwarded);
        try
        {
            var sealedPayload = DeliveryPayloads.Seal(prepared.Kek, channel.Id, deliveryId, partition, row, plaintext);
            await records.WriteAsync(prepared.Records, new StoredPayload(partition, row, appId, channel.Id, deliveryId, prepared.ExpiresAt!.Value, prepared.Kek.Version, sealedPayload), cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        metrics.Sealed(SealedKind.Value, items.Count);
        if (dropped.Count > 0)
        {
            logger.LogWarning("Channel {ChannelId} of app {AppId}: {Dropped} values were too large or too many to seal and were delivered redacted", channel.Id, appId, dropped.Count);
        }

        await queue.SendAsync(new DeliveryMessage(appId, channel.Id, deliveryId, partition, row, 1), TimeSpan.Zero, cancellationToken);
        return deliveryId;
    }

    /// <summary>
    /// What stands in for a value that was not sealed: <c>{ "$shroud": null, "redacted": "…", "truncated": true }</c>.
    /// The value is gone (nothing stored, nothing to reveal); the bot sees the redaction text as for an expired value.
    /// </summary>
    public static JsonObject Truncated(string redaction) => new()
    {
        [ChatEvents.ReferenceProperty] = null,
        [ChatEvents.RedactedProperty] = redaction,
        [TruncatedProperty] = true,
    };

    /// <summary>The body as a JSON object (form-encoded parameters become one, see <see cref="FormPayload"/>); null when it is not one.</summary>
    private static JsonObject? Parse(ReadOnlySpan<byte> body, string? contentType)
    {
        if (FormPayload.IsForm(contentType))
        {
            return FormPayload.Parse(body);
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatEvents.MaxDepth });
            return IsValidText(body) ? JsonNode.Parse(ref reader) as JsonObject : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether every name and string of the JSON is valid Unicode. The parser accepts an escaped unpaired surrogate
    /// (<c>"\ud800"</c>) that writing the payload again would then fail on; such a body is as unreadable as broken JSON.
    /// </summary>
    private static bool IsValidText(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatEvents.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    StrictUtf8.GetByteCount(reader.GetString()!);
                }
            }

            return true;
        }
        catch (Exception e) when (e is EncoderFallbackException or InvalidOperationException)
        {
            return false;
        }
    }
}
