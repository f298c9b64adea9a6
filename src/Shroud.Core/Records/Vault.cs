using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Crypto;

namespace Shroud.Core.Records;

/// <summary>One value to seal; <paramref name="Field"/> and <paramref name="TtlField"/> name it in the request, for error messages.</summary>
public sealed record SealItem(string Field, string Value, TimeSpan? Ttl, string ContentType = Vault.TextContentType, string? TtlField = null);

/// <summary>
/// Values sealed but not yet stored: their references, their rows, the KEK that wrapped them and, when they share one
/// expiry, that expiry and the partition every row of it is in.
/// </summary>
public sealed record PreparedSeal(IReadOnlyList<SealedValue> Values, IReadOnlyList<StoredRecord> Records, AppKek Kek, string? PartitionKey, DateTimeOffset? ExpiresAt)
{
    /// <summary>The app's redaction text, for whatever stands in a value's place (also when no value was sealed).</summary>
    public string Redaction { get; init; } = "";
}

/// <summary>A sealed value's reference, and the app's redaction text to show in its place.</summary>
public sealed record SealedValue(string Reference, DateTimeOffset ExpiresAt, string Redacted);

/// <summary>What a reference finds: its record, address and KEK, or (all null) the reason only its redacted form remains.</summary>
public sealed record FoundRecord(StoredRecord? Stored, RecordAddress? Address, AppKek? Kek, RedactionReason? Redacted)
{
    public static FoundRecord Gone(RedactionReason reason) => new(null, null, null, reason);
}

/// <summary>A revealed value: the plaintext with its content type, or the redaction text once the value has expired or is gone.</summary>
public sealed record RevealedValue(string Value, bool Expired, DateTimeOffset? ExpiresAt, string? ContentType)
{
    /// <summary>
    /// The reference names a live media file, which the caller opens itself (<see cref="Value"/> is empty): only when the
    /// reveal was asked to mark media rather than refuse it.
    /// </summary>
    public bool Media { get; init; }
}

/// <summary>
/// Seals values into records and reveals them from references, following the envelope protocol.
/// Sealing a request costs one storage write per partition (normally one); revealing costs one point read per reference.
/// </summary>
public sealed class Vault(AppDirectory keys, IRecordStore records, TimeProvider clock, IOptions<ShroudOptions> options, ShroudMetrics metrics, AuditTrail audit)
{
    public const string TextContentType = "text/plain; charset=utf-8";
    public const string JsonContentType = "application/json";

    /// <summary>
    /// Point reads one request runs at once: a batch of a thousand references must not open a thousand connections or
    /// hold a thousand answers in flight.
    /// </summary>
    public const int MaxConcurrentReads = 16;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public async Task<IReadOnlyList<SealedValue>> SealAsync(string appId, IReadOnlyList<SealItem> items, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(appId, items, null, cancellationToken);
        await records.WriteAsync(prepared.Records, cancellationToken);
        metrics.Sealed(SealedKind.Value, items.Count);
        return prepared.Values;
    }

    /// <summary>
    /// Seals the values without storing them, all in one shard; with <paramref name="sharedTtl"/> every value gets that one
    /// TTL (so they share one expiry partition: <see cref="PreparedSeal.PartitionKey"/>), else each its own. The caller
    /// stores <see cref="PreparedSeal.Records"/>, and reports them with <see cref="ShroudMetrics.Sealed"/>.
    /// </summary>
    public async Task<PreparedSeal> PrepareAsync(string appId, IReadOnlyList<SealItem> items, TimeSpan? sharedTtl, CancellationToken cancellationToken)
    {
        var kek = await keys.GetActiveAsync(appId, cancellationToken);
        var redaction = (await keys.GetAsync(appId, cancellationToken)).Settings.RedactionText;
        var now = clock.GetUtcNow();
        var shard = (byte)RandomNumberGenerator.GetInt32(256);
        var sharedExpiry = sharedTtl is { } ttl ? ExpiresAt(now, ttl, items.FirstOrDefault()?.TtlField ?? items.FirstOrDefault()?.Field ?? "ttl") : (DateTimeOffset?)null;
        var sealedValues = new SealedValue[items.Count];
        var stored = new StoredRecord[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var plaintext = Encoding.UTF8.GetBytes(item.Value);
            byte[]? refKek = null;
            try
            {
                if (plaintext.Length > options.Value.MaxValueBytes)
                {
                    throw new ShroudException(
                        ShroudError.ValueTooLarge,
                        $"{item.Field} is {plaintext.Length} bytes of UTF-8; the limit is {options.Value.MaxValueBytes} bytes.");
                }

                var expiresAt = sharedExpiry ?? ExpiresAt(now, item.Ttl, item.TtlField ?? item.Field);
                var refId = ShroudReference.NewRefId(shard);
                var address = new RecordAddress(appId, ShroudReference.RefIdText(refId), expiresAt, item.ContentType);
                (var record, refKek) = Envelope.Seal(plaintext, address, kek);
                var reference = ShroudReference.Create(appId, refId, expiresAt, refKek);
                stored[i] = new StoredRecord(RecordPartitions.For(reference), address, record);
                sealedValues[i] = new SealedValue(reference.Encode(), expiresAt, redaction);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
                CryptographicOperations.ZeroMemory(refKek);
            }
        }

        var partition = sharedExpiry is { } expiry ? RecordPartitions.For(expiry, shard) : null;
        return new PreparedSeal(sealedValues, stored, kek, partition, sharedExpiry) { Redaction = redaction };
    }

    /// <summary>
    /// Reveals each reference (field path, reference text); any invalid reference fails the whole call with one generic error.
    /// The call's audit record (<paramref name="record"/> with the ref ids and counts filled in) is stored concurrently
    /// with the record reads, and nothing is returned unless it was stored. Its counts are fixed before the reads: values
    /// whose reference has not expired count as revealed, the others as expired. A media reference is an invalid reference,
    /// unless <paramref name="markMedia"/> asks for it as a <see cref="RevealedValue.Media"/> marker (its file counts as revealed).
    /// </summary>
    public async Task<IReadOnlyList<RevealedValue>> RevealAsync(
        string appId, IReadOnlyList<(string Field, string Reference)> references, AuditEntry record, CancellationToken cancellationToken, bool markMedia = false)
    {
        var parsed = references.Select(r => ShroudReference.TryParse(r.Reference, out var reference) && reference.AppId == appId
            ? reference
            : throw ShroudException.InvalidReference(r.Field)).ToList();
        var redacted = Redacted((await keys.GetAsync(appId, cancellationToken)).Settings.RedactionText);
        var now = clock.GetUtcNow();
        var live = parsed.Count(r => r.ExpiresAt > now);
        var audited = audit.WriteAsync(record with
        {
            RefIds = parsed.Select(r => r.RefId).Distinct().ToList(),
            Counts = new Dictionary<string, int> { [AuditCounts.Revealed] = live, [AuditCounts.Expired] = parsed.Count - live },
        });
        var revealed = new RevealedValue[parsed.Count];
        var reads = Parallel.ForEachAsync(
            Enumerable.Range(0, parsed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReads, CancellationToken = cancellationToken },
            async (i, ct) => revealed[i] = await RevealAsync(appId, references[i].Field, parsed[i], redacted, markMedia, ct));

        // Both are awaited before anything is answered; a failed audit write fails the call (fail closed).
        await Task.WhenAll(audited, reads);

        // Counted once the whole call succeeds: an invalid reference in a batch returns no plaintext at all.
        metrics.Revealed(SealedKind.Value, revealed.Count(v => !v.Expired && !v.Media));
        return revealed;
    }

    /// <summary>
    /// The redaction text in place of every reference, for an edge that may not see plaintext (a channel with reveal on
    /// send off). The references are checked as a reveal checks them and the call's record is stored the same way, with
    /// every value counted as withheld; no record is read.
    /// </summary>
    public async Task<IReadOnlyList<RevealedValue>> WithholdAsync(string appId, IReadOnlyList<(string Field, string Reference)> references, AuditEntry record, CancellationToken cancellationToken)
    {
        var parsed = references.Select(r => ShroudReference.TryParse(r.Reference, out var reference) && reference.AppId == appId
            ? reference
            : throw ShroudException.InvalidReference(r.Field)).ToList();
        var redacted = Redacted((await keys.GetAsync(appId, cancellationToken)).Settings.RedactionText);
        await audit.WriteAsync(record with
        {
            RefIds = parsed.Select(r => r.RefId).Distinct().ToList(),
            Counts = new Dictionary<string, int> { [AuditCounts.Withheld] = parsed.Count },
        });
        return parsed.Select(_ => redacted).ToList();
    }

    /// <summary>The answer for a value that has expired or is gone, or for a caller who may not see it.</summary>
    public static RevealedValue Redacted(string redactionText) => new(redactionText, true, null, null);

    /// <summary>
    /// The reveal flow of values and media alike, up to the keys: the record a live reference names, with the KEK that
    /// wraps its DEK, or why only the redacted form remains (<see cref="FoundRecord.Redacted"/>). A reference that does
    /// not match its row throws <paramref name="invalid"/>; nothing is unwrapped here.
    /// </summary>
    public async Task<FoundRecord> FindAsync(string appId, ShroudReference reference, Func<ShroudException> invalid, CancellationToken cancellationToken)
    {
        if (reference.ExpiresAt <= clock.GetUtcNow())
        {
            return FoundRecord.Gone(RedactionReason.Expired);
        }

        var stored = await records.ReadAsync(reference, cancellationToken);
        if (stored is null)
        {
            return FoundRecord.Gone(RedactionReason.Gone);
        }

        // The associated data binds the row to its app too; comparing the column as well refuses a row moved from
        // another app before any key is unwrapped.
        if (stored.Address.AppId != appId || stored.Address.ExpiresAt != reference.ExpiresAt)
        {
            throw invalid();
        }

        // The expiry column is the truth at read time, whether or not the sweep has run.
        if (stored.Address.ExpiresAt <= clock.GetUtcNow())
        {
            return FoundRecord.Gone(RedactionReason.Expired);
        }

        // A live record always has its KEK: versions are destroyed only after everything they wrap has expired.
        var kek = await keys.GetAsync(appId, stored.Sealed.KekVersion, cancellationToken) ?? throw invalid();
        return new FoundRecord(stored, new RecordAddress(appId, reference.RefId, stored.Address.ExpiresAt, stored.Address.ContentType), kek, null);
    }

    private async Task<RevealedValue> RevealAsync(
        string appId, string field, ShroudReference reference, RevealedValue redacted, bool markMedia, CancellationToken cancellationToken)
    {
        var found = await FindAsync(appId, reference, () => ShroudException.InvalidReference(field), cancellationToken);
        if (found.Redacted is { } reason)
        {
            metrics.Redacted(SealedKind.Value, reason);
            return redacted;
        }

        if (found.Stored!.Media is not null)
        {
            return markMedia
                ? new RevealedValue("", false, found.Address!.ExpiresAt, found.Address.ContentType) { Media = true }
                : throw ShroudException.InvalidReference(field);
        }

        byte[]? plaintext = null;
        try
        {
            plaintext = Envelope.Open(found.Stored!.Sealed, found.Address!, found.Kek!, reference.RefKek);
            return new RevealedValue(StrictUtf8.GetString(plaintext), false, found.Address!.ExpiresAt, found.Address.ContentType);
        }
        catch (Exception e) when (e is CryptoFailure or DecoderFallbackException)
        {
            throw ShroudException.InvalidReference(field);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The expiry, in whole seconds, of a value sealed now with the requested TTL (the default when null).</summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset now, TimeSpan? requested, string field) =>
        DateTimeOffset.FromUnixTimeSeconds((now + CheckTtl(requested ?? options.Value.DefaultTtl, field)).ToUnixTimeSeconds());

    /// <summary>The one rule for a TTL, wherever it is given (a value, a media file, a configuration): 1 second to the maximum.</summary>
    public TimeSpan CheckTtl(TimeSpan ttl, string field) =>
        ttl >= TimeSpan.FromSeconds(1) && ttl <= options.Value.MaxTtl
            ? ttl
            : throw ShroudException.Invalid(field, $"must be between 1 second and {System.Xml.XmlConvert.ToString(options.Value.MaxTtl)}.");

}
