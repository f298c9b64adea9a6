using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
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
public sealed class ChannelInbox(
    ConversationConfigurations configurations, Vault vault, IRecordStore records, IDeliveryQueue queue, IOptions<ShroudOptions> options, ShroudMetrics metrics)
{
    private static readonly JsonSerializerOptions Forwarded = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = ChatEvents.MaxDepth };

    /// <summary>Accepts one call's body (already verified); returns its delivery id.</summary>
    public async Task<string> AcceptAsync(string appId, Channel channel, ChannelKind kind, ReadOnlyMemory<byte> body, string? contentType, CancellationToken cancellationToken)
    {
        var payload = InboundMappers.All[kind].Map(Parse(body.Span, contentType));
        var rules = await configurations.ForAsync(appId, payload.Messages.Select(m => m.ConversationId ?? ""), cancellationToken);

        var targets = new List<InboundField>();
        var files = new List<bool>();
        var items = new List<SealItem>();
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
                targets.Add(field);
                files.Add(field.IsFile && asMedia.Media);
                items.Add(new SealItem(field.Path, isText ? node.GetValue<string>() : node.ToJsonString(), null, isText ? Vault.TextContentType : Vault.JsonContentType));
                var ttl = configuration?.Ttl ?? options.Value.DefaultTtl;
                shortest = shortest is { } s && s < ttl ? s : ttl;
            }
        }

        if (items.Count > ChatEvents.MaxValues)
        {
            throw new ShroudException(ShroudError.BatchTooLarge, $"One webhook may seal at most {ChatEvents.MaxValues} values; this one has {items.Count}.");
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
        await queue.SendAsync(new DeliveryMessage(appId, channel.Id, deliveryId, partition, row, 1), TimeSpan.Zero, cancellationToken);
        return deliveryId;
    }

    /// <summary>The body as a JSON object: form-encoded parameters become one (see <see cref="FormPayload"/>).</summary>
    private static JsonObject Parse(ReadOnlySpan<byte> body, string? contentType)
    {
        if (FormPayload.IsForm(contentType))
        {
            return FormPayload.Parse(body);
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatEvents.MaxDepth });
            return JsonNode.Parse(ref reader) as JsonObject
                ?? throw new ShroudException(ShroudError.InvalidJson, "A channel's webhook body must be a JSON object or a form.");
        }
        catch (JsonException)
        {
            throw new ShroudException(ShroudError.InvalidJson, "A channel's webhook body must be a JSON object or a form.");
        }
    }
}
