using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shroud.Core.Channels.Deliveries;
using Shroud.Core.Channels.Inbound;
using Shroud.Core.Configurations;
using Shroud.Core.Events;
using Shroud.Core.Records;

namespace Shroud.Core.Channels;

/// <summary>
/// Takes a verified webhook call: seals its sensitive fields in the channel's own JSON, stores the values and the
/// sealed payload in one entity-group transaction, and enqueues its delivery with one message. Once both succeeded
/// the channel may be answered; what follows is the queue consumer's. Conversations are judged by this instance's
/// cached state (no storage read while the channel waits); a sensitive field left unsealed waits in the stored payload
/// as a placeholder until the consumer judges it by the current state (<see cref="ResolveAsync"/>).
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
    TimeProvider clock,
    ILogger<ChannelInbox> logger)
{
    /// <summary>Marks a value dropped rather than sealed (too large, or past the count limit): <c>"truncated": true</c>.</summary>
    public const string TruncatedProperty = "truncated";

    /// <summary>Marks, inside the stored payload only, a field the webhook left unsealed (see <see cref="ResolveAsync"/>).</summary>
    public const string UnsealedProperty = "$shroudUnsealed";

    private const string PlaceholderValue = "value";

    /// <summary>The stored form: each placeholder nests its value two levels deeper than the channel sent it.</summary>
    private static readonly JsonSerializerOptions Stored = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = ChatEvents.MaxDepth * 3 };

    private static readonly byte[] UnsealedMarker = Encoding.UTF8.GetBytes($"\"{UnsealedProperty}\"");
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Accepts one call's body (already verified); returns its delivery id, or null when the body was unreadable and nothing was queued.</summary>
    public async Task<string?> AcceptAsync(string appId, Channel channel, ChannelKind kind, ReadOnlyMemory<byte> body, string? contentType, CancellationToken cancellationToken)
    {
        if (Parse(body.Span, contentType) is not { } root)
        {
            logger.LogWarning("Channel {ChannelId} of app {AppId} posted a body that is not a JSON object; nothing was delivered", channel.Id, appId);
            return null;
        }

        var arrived = clock.GetUtcNow();
        var payload = InboundMappers.All[kind].Map(root);
        var conversations = payload.Messages.Select(m => m.ConversationId ?? "").ToList();
        var candidates = payload.Messages.SelectMany(m => m.Fields.Select(f => new Candidate(f, m.ConversationId, m.Author))).ToList();

        // The cached state is trusted only where the consumer can judge the rest again: not when the channel's own JSON
        // names Shroud's placeholder property, nor for more held fields than a call may seal. Then storage decides now.
        var cached = !Names(root, UnsealedProperty);
        var (sealing, unsealed) = Decide(candidates, await configurations.ForAsync(appId, conversations, cancellationToken, cached));
        if (cached && unsealed.Count > ChatEvents.MaxValues)
        {
            cached = false;
            (sealing, unsealed) = Decide(candidates, await configurations.ForAsync(appId, conversations, cancellationToken));
        }

        var prepared = await SealAsync(appId, channel.Id, sealing, null, cancellationToken);
        var held = cached && unsealed.Count > 0 ? arrived : (DateTimeOffset?)null;
        if (held is not null)
        {
            // What the cached state left unsealed waits in the stored payload for the delivery consumer (see ResolveAsync).
            foreach (var candidate in unsealed)
            {
                Hold(candidate);
            }
        }

        var deliveryId = DeliveryIds.For(channel.Id, payload.IdempotencyKey);
        var partition = prepared.PartitionKey!;

        // A random suffix: a channel's retry of one message is a second row (dropped by the consumer), never a clash.
        var row = $"d.{deliveryId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(payload.Root, Stored);
        try
        {
            var sealedPayload = DeliveryPayloads.Seal(prepared.Kek, channel.Id, deliveryId, partition, row, plaintext);
            await records.WriteAsync(
                prepared.Records,
                new StoredPayload(partition, row, appId, channel.Id, deliveryId, prepared.ExpiresAt!.Value, prepared.Kek.Version, sealedPayload, held),
                cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        metrics.Sealed(SealedKind.Value, prepared.Values.Count);
        await queue.SendAsync(new DeliveryMessage(appId, channel.Id, deliveryId, partition, row, 1), TimeSpan.Zero, cancellationToken);
        return deliveryId;
    }

    /// <summary>
    /// The delivery consumer's step before anything is forwarded: every field the webhook left unsealed (a placeholder in
    /// the stored payload, which is itself sealed) is sealed now if the conversation's current state asks for it, read
    /// from storage rather than any cache, and is put back as it came otherwise; inner fields before the fields holding
    /// them. So a start of encryption the webhook's instance had not yet seen reaches the bot sealed, and what the
    /// webhook sealed stays sealed. Late values expire no later than the payload. Answers the payload to forward: the
    /// same array when <paramref name="stored"/> holds nothing (<see cref="StoredPayload.HeldSince"/>). A conversation whose
    /// encryption was on at any moment since the webhook arrived counts as started, though it ended since.
    /// </summary>
    public async Task<byte[]> ResolveAsync(StoredPayload stored, byte[] payload, CancellationToken cancellationToken)
    {
        if (stored.HeldSince is not { } since)
        {
            return payload;
        }

        var root = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = Stored.MaxDepth })!;
        var rules = await configurations.ForAsync(stored.AppId, Placeholders(root).Select(p => FromPlaceholder(p).ConversationId ?? "").ToList(), cancellationToken, since: since);
        while (Placeholders(root).Where(p => !Placeholders(p[UnsealedProperty]![PlaceholderValue]).Any()).Select(FromPlaceholder).ToList() is { Count: > 0 } innermost)
        {
            var (sealing, unsealed) = Decide(innermost, rules);
            var prepared = await SealAsync(stored.AppId, stored.ChannelId, sealing, stored.ExpiresAt, cancellationToken);
            if (prepared.Values.Count > 0)
            {
                await records.WriteAsync(prepared.Records, cancellationToken);
                metrics.Sealed(SealedKind.Value, prepared.Values.Count);
            }

            foreach (var candidate in unsealed)
            {
                var value = candidate.Value!;
                value.Parent!.AsObject().Remove(PlaceholderValue);
                candidate.Field.Container[candidate.Field.Property] = value;
            }
        }

        var resolved = JsonSerializer.SerializeToUtf8Bytes(root, Stored);

        // Fail closed: a placeholder the walk did not find must never reach the bot with its value.
        return resolved.AsSpan().IndexOf(UnsealedMarker) < 0
            ? resolved
            : throw new InvalidOperationException("A delivery payload still holds an unsealed field after resolution.");
    }

    /// <summary>
    /// Splits the candidate fields into those the rules seal (each field once, though nested copies may map it twice)
    /// and the rest, with each sealed field's TTL and whether it names a file to download.
    /// </summary>
    private static (List<Sealing> Sealing, List<Candidate> Unsealed) Decide(IReadOnlyList<Candidate> candidates, Dictionary<string, EncryptionConfiguration?> rules)
    {
        var sealing = new List<Sealing>();
        var sealedFields = new HashSet<(JsonObject, string)>();
        var rest = new List<Candidate>();
        foreach (var candidate in candidates)
        {
            var configuration = rules[candidate.ConversationId ?? ""];
            var asMessage = SensitivityRules.Decide(new EventFacts("message", candidate.Author, null, false), configuration);
            var asMedia = SensitivityRules.Decide(new EventFacts("media", candidate.Author, null, false), configuration);
            var field = candidate.Field;
            var seals = field.Kind == InboundFieldKind.Text ? asMessage.Text : asMessage.Media || asMedia.Media;
            if (field.Container[field.Property] is null)
            {
                continue;
            }

            if (!seals)
            {
                rest.Add(candidate);
            }
            else if (sealedFields.Add((field.Container, field.Property)))
            {
                sealing.Add(new Sealing(candidate, configuration?.Ttl, field.IsFile && asMedia.Media));
            }
        }

        var unsealed = rest.Where(c => !sealedFields.Contains((c.Field.Container, c.Field.Property))).DistinctBy(c => (c.Field.Container, c.Field.Property)).ToList();
        return (sealing, unsealed);
    }

    /// <summary>
    /// Seals the fields in place, all with the shortest TTL among them (the safe direction), hence one partition, expiring
    /// by <paramref name="notAfter"/> when given. A value
    /// over <c>Shroud__MaxValueBytes</c>, or past <see cref="ChatEvents.MaxValues"/>, becomes <see cref="Truncated"/>.
    /// </summary>
    private async Task<PreparedSeal> SealAsync(string appId, string channelId, IReadOnlyList<Sealing> sealing, DateTimeOffset? notAfter, CancellationToken cancellationToken)
    {
        var kept = new List<Sealing>();
        var items = new List<SealItem>();
        var dropped = new List<InboundField>();
        foreach (var s in sealing)
        {
            var node = s.Candidate.Value!;
            var isText = node is JsonValue v && v.GetValueKind() == JsonValueKind.String;
            var value = isText ? node.GetValue<string>() : node.ToJsonString();
            if (items.Count >= ChatEvents.MaxValues || Encoding.UTF8.GetByteCount(value) > options.Value.MaxValueBytes)
            {
                dropped.Add(s.Candidate.Field);
                continue;
            }

            kept.Add(s);
            items.Add(new SealItem(s.Candidate.Field.Path, value, null, isText ? Vault.TextContentType : Vault.JsonContentType));
        }

        var shortest = kept.Select(s => s.Ttl ?? options.Value.DefaultTtl).DefaultIfEmpty(options.Value.DefaultTtl).Min();
        if (notAfter is { } end && end - clock.GetUtcNow() < shortest)
        {
            shortest = TimeSpan.FromSeconds(Math.Max(1, (end - clock.GetUtcNow()).TotalSeconds));
        }

        var prepared = await vault.PrepareAsync(appId, items, shortest, cancellationToken);
        for (var i = 0; i < kept.Count; i++)
        {
            var sealedField = new JsonObject
            {
                [ChatEvents.ReferenceProperty] = prepared.Values[i].Reference,
                [ChatEvents.RedactedProperty] = prepared.Values[i].Redacted,
            };
            if (kept[i].File)
            {
                // The file itself is downloaded by the delivery consumer, not while the channel waits for its answer.
                sealedField[InboundMedia.PendingProperty] = true;
            }

            kept[i].Candidate.Field.Container[kept[i].Candidate.Field.Property] = sealedField;
        }

        foreach (var field in dropped)
        {
            field.Container[field.Property] = Truncated(prepared.Redaction);
        }

        if (dropped.Count > 0)
        {
            logger.LogWarning("Channel {ChannelId} of app {AppId}: {Dropped} values were too large or too many to seal and were delivered redacted", channelId, appId, dropped.Count);
        }

        return prepared;
    }

    /// <summary>Whether any object of the JSON has a property of that name.</summary>
    private static bool Names(JsonNode? node, string property) => node switch
    {
        JsonObject o => o.Any(p => p.Key == property || Names(p.Value, property)),
        JsonArray a => a.Any(item => Names(item, property)),
        _ => false,
    };

    /// <summary>
    /// Puts <c>{ "$shroudUnsealed": { "conversation", "author", "kind", "file", "value" } }</c> in the field's place: the
    /// value moves inside (not a copy), so a field mapped within it gets its own placeholder there, nested.
    /// </summary>
    private static void Hold(Candidate c)
    {
        var value = c.Field.Container[c.Field.Property];
        var facts = new JsonObject
        {
            ["conversation"] = c.ConversationId,
            ["author"] = c.Author,
            ["kind"] = c.Field.Kind == InboundFieldKind.Text ? "text" : "media",
            ["file"] = c.Field.IsFile,
        };

        // Replacing the field detaches its value, which may then move into the placeholder.
        c.Field.Container[c.Field.Property] = new JsonObject { [UnsealedProperty] = facts };
        facts[PlaceholderValue] = value;
    }

    private static Candidate FromPlaceholder(JsonObject placeholder)
    {
        var facts = placeholder[UnsealedProperty]!.AsObject();
        var container = placeholder.Parent!.AsObject();
        var property = placeholder.GetPropertyName();
        var kind = InboundMappers.Text(facts["kind"]) == "text" ? InboundFieldKind.Text : InboundFieldKind.Media;
        var field = new InboundField(container, property, property, kind, facts["file"] is JsonValue file && file.GetValueKind() == JsonValueKind.True);
        return new Candidate(field, InboundMappers.Text(facts["conversation"]), InboundMappers.Text(facts["author"]) ?? InboundMappers.User, facts[PlaceholderValue]);
    }

    /// <summary>The placeholders of a stored payload, wherever they are (always an object's property), inner ones first.</summary>
    private static IEnumerable<JsonObject> Placeholders(JsonNode? node) => node switch
    {
        JsonObject o when o[UnsealedProperty] is JsonObject facts && o.Parent is JsonObject => [.. Placeholders(facts[PlaceholderValue]), o],
        JsonObject o => o.Select(p => p.Value).ToList().SelectMany(Placeholders),
        JsonArray a => a.ToList().SelectMany(Placeholders),
        _ => [],
    };

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

    /// <summary>A sensitive field of a payload, the message facts that decide it, and its value (null once read from a placeholder without one).</summary>
    private sealed record Candidate(InboundField Field, string? ConversationId, string Author, JsonNode? Value)
    {
        public Candidate(InboundField field, string? conversationId, string author)
            : this(field, conversationId, author, field.Container[field.Property])
        {
        }
    }

    private sealed record Sealing(Candidate Candidate, TimeSpan? Ttl, bool File);
}
