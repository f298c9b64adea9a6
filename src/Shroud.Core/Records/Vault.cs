using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Crypto;

namespace Shroud.Core.Records;

/// <summary>One value to seal; <paramref name="Field"/> and <paramref name="TtlField"/> name it in the request, for error messages.</summary>
public sealed record SealItem(string Field, string Value, TimeSpan? Ttl, string ContentType = Vault.TextContentType, string? TtlField = null);

/// <summary>A sealed value's reference, and the app's redaction text to show in its place.</summary>
public sealed record SealedValue(string Reference, DateTimeOffset ExpiresAt, string Redacted);

/// <summary>A revealed value: the plaintext with its content type, or the redaction text once the value has expired or is gone.</summary>
public sealed record RevealedValue(string Value, bool Expired, DateTimeOffset? ExpiresAt, string? ContentType);

/// <summary>
/// Seals values into records and reveals them from references, following the envelope protocol.
/// Sealing a request costs one storage write per partition (normally one); revealing costs one point read per reference.
/// </summary>
public sealed class Vault(AppDirectory keys, IRecordStore records, TimeProvider clock, IOptions<ShroudOptions> options, ShroudMetrics metrics, AuditTrail audit)
{
    public const string TextContentType = "text/plain; charset=utf-8";
    public const string JsonContentType = "application/json";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public async Task<IReadOnlyList<SealedValue>> SealAsync(string appId, IReadOnlyList<SealItem> items, CancellationToken cancellationToken)
    {
        var kek = await keys.GetActiveAsync(appId, cancellationToken);
        var redaction = (await keys.GetAsync(appId, cancellationToken)).Settings.RedactionText;
        var now = clock.GetUtcNow();
        var shard = (byte)RandomNumberGenerator.GetInt32(256);
        var sealedValues = new SealedValue[items.Count];
        var stored = new StoredRecord[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var plaintext = Encoding.UTF8.GetBytes(item.Value);
            if (plaintext.Length > options.Value.MaxValueBytes)
            {
                throw new ShroudException(
                    ShroudError.ValueTooLarge,
                    $"{item.Field} is {plaintext.Length} bytes of UTF-8; the limit is {options.Value.MaxValueBytes} bytes.");
            }

            var expiresAt = ExpiresAt(now, item.Ttl, item.TtlField ?? item.Field);
            var refId = ShroudReference.NewRefId(shard);
            var address = new RecordAddress(appId, ShroudReference.RefIdText(refId), expiresAt, item.ContentType);
            var (record, refKek) = Envelope.Seal(plaintext, address, kek);
            var reference = ShroudReference.Create(appId, refId, expiresAt, refKek);
            stored[i] = new StoredRecord(RecordPartitions.For(reference), address, record);
            sealedValues[i] = new SealedValue(reference.Encode(), expiresAt, redaction);
            CryptographicOperations.ZeroMemory(refKek);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        await records.WriteAsync(stored, cancellationToken);
        metrics.Sealed(SealedKind.Value, items.Count);
        return sealedValues;
    }

    /// <summary>
    /// Reveals each reference (field path, reference text); any invalid reference fails the whole call with one generic error.
    /// The call's audit record (<paramref name="record"/> with the ref ids and counts filled in) is stored concurrently
    /// with the record reads, and nothing is returned unless it was stored. Its counts are fixed before the reads: values
    /// whose reference has not expired count as revealed, the others as expired.
    /// </summary>
    public async Task<IReadOnlyList<RevealedValue>> RevealAsync(string appId, IReadOnlyList<(string Field, string Reference)> references, AuditEntry record, CancellationToken cancellationToken)
    {
        var parsed = references.Select(r => ShroudReference.TryParse(r.Reference, out var reference) && reference.AppId == appId
            ? reference
            : throw InvalidReference(r.Field)).ToList();
        var redacted = Redacted((await keys.GetAsync(appId, cancellationToken)).Settings.RedactionText);
        var now = clock.GetUtcNow();
        var live = parsed.Count(r => r.ExpiresAt > now);
        var audited = audit.WriteAsync(record with
        {
            RefIds = parsed.Select(r => r.RefId).Distinct().ToList(),
            Counts = new Dictionary<string, int> { [AuditCounts.Revealed] = live, [AuditCounts.Expired] = parsed.Count - live },
        });
        var reads = Task.WhenAll(parsed.Select((reference, i) => RevealAsync(appId, references[i].Field, reference, redacted, cancellationToken)));

        // Both are awaited before anything is answered; a failed audit write fails the call (fail closed).
        await Task.WhenAll(audited, reads);
        var revealed = await reads;

        // Counted once the whole call succeeds: an invalid reference in a batch returns no plaintext at all.
        metrics.Revealed(SealedKind.Value, revealed.Count(v => !v.Expired));
        return revealed;
    }

    /// <summary>The answer for a value that has expired or is gone, or for a caller who may not see it.</summary>
    public static RevealedValue Redacted(string redactionText) => new(redactionText, true, null, null);

    private async Task<RevealedValue> RevealAsync(string appId, string field, ShroudReference reference, RevealedValue redacted, CancellationToken cancellationToken)
    {
        if (reference.ExpiresAt <= clock.GetUtcNow())
        {
            metrics.Redacted(SealedKind.Value, RedactionReason.Expired);
            return redacted;
        }

        var stored = await records.ReadAsync(reference, cancellationToken);
        if (stored is null)
        {
            metrics.Redacted(SealedKind.Value, RedactionReason.Gone);
            return redacted;
        }

        if (stored.Address.ExpiresAt != reference.ExpiresAt)
        {
            throw InvalidReference(field);
        }

        // The expiry column is the truth at read time, whether or not the sweep has run.
        if (stored.Address.ExpiresAt <= clock.GetUtcNow())
        {
            metrics.Redacted(SealedKind.Value, RedactionReason.Expired);
            return redacted;
        }

        // A live record always has its KEK: versions are destroyed only after everything they wrap has expired.
        var kek = await keys.GetAsync(appId, stored.Sealed.KekVersion, cancellationToken) ?? throw InvalidReference(field);

        var address = new RecordAddress(appId, reference.RefId, stored.Address.ExpiresAt, stored.Address.ContentType);
        try
        {
            var plaintext = Envelope.Open(stored.Sealed, address, kek, reference.RefKek);
            return new RevealedValue(StrictUtf8.GetString(plaintext), false, stored.Address.ExpiresAt, stored.Address.ContentType);
        }
        catch (Exception e) when (e is CryptoFailure or DecoderFallbackException)
        {
            throw InvalidReference(field);
        }
    }

    /// <summary>The expiry, in whole seconds, of a value sealed now with the requested TTL (the default when null).</summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset now, TimeSpan? requested, string field)
    {
        var ttl = requested ?? options.Value.DefaultTtl;
        return ttl >= TimeSpan.FromSeconds(1) && ttl <= options.Value.MaxTtl
            ? DateTimeOffset.FromUnixTimeSeconds((now + ttl).ToUnixTimeSeconds())
            : throw ShroudException.Invalid(field, $"must be between 1 second and {System.Xml.XmlConvert.ToString(options.Value.MaxTtl)}.");
    }

    private static ShroudException InvalidReference(string field) =>
        new(ShroudError.InvalidReference, $"{field} is not a valid reference for this app.");

}
