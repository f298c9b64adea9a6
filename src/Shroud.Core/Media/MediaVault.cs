using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Crypto;
using Shroud.Core.Records;

namespace Shroud.Core.Media;

/// <summary>A sealed media file's reference.</summary>
public sealed record SealedMedia(string Reference, DateTimeOffset ExpiresAt, long Size, string ContentType);

/// <summary>A media file ready to stream back: its metadata, and a copy that authenticates each segment before writing it.</summary>
public sealed class OpenedMedia(string contentType, long size, string? fileName, Func<SegmentedAead.Sink, CancellationToken, Task> copy)
{
    public string ContentType { get; } = contentType;

    public long Size { get; } = size;

    public string? FileName { get; } = fileName;

    /// <summary>Streams the plaintext; a failure part-way (a tampered blob) throws <see cref="CryptoFailure"/>.</summary>
    public Task CopyToAsync(SegmentedAead.Sink output, CancellationToken cancellationToken) => copy(output, cancellationToken);
}

/// <summary>
/// Seals media files: the DEK is wrapped exactly as for text values and kept in the record row (with the expiry),
/// while the blob holds only the segmented ciphertext, uploaded as it is encrypted so that no file is ever held in
/// memory.
/// </summary>
public sealed class MediaVault(AppDirectory apps, IRecordStore records, IMediaStore blobs, Vault vault, TimeProvider clock, IOptions<ShroudOptions> options, ShroudMetrics metrics, AuditTrail audit)
{
    public async Task<SealedMedia> SealAsync(string appId, Stream content, string contentType, string? fileName, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        var kek = await apps.GetActiveAsync(appId, cancellationToken);
        var expiresAt = vault.ExpiresAt(clock.GetUtcNow(), ttl, "ttl");
        var refId = ShroudReference.NewRefId((byte)RandomNumberGenerator.GetInt32(256));
        var address = new RecordAddress(appId, ShroudReference.RefIdText(refId), expiresAt, contentType);
        var blobName = $"{appId}/{address.RefId}";
        var dek = Aead.NewKey();
        byte[]? refKek = null;
        try
        {
            var size = await UploadAsync(blobName, content, dek, Envelope.DataAad(address), cancellationToken);
            (var wrappedDek, refKek) = Envelope.WrapDek(dek, address, kek);
            var sealedName = fileName is null ? null : Aead.Seal(dek, Encoding.UTF8.GetBytes(fileName), FileNameAad(address));
            var reference = ShroudReference.Create(appId, refId, expiresAt, refKek);
            var record = new StoredRecord(RecordPartitions.For(reference), address, new SealedRecord([], wrappedDek, kek.Version), new MediaBlob(blobName, size, sealedName));
            await records.WriteAsync([record], cancellationToken);
            metrics.Sealed(SealedKind.Media, 1);
            return new SealedMedia(reference.Encode(), expiresAt, size, contentType);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
            if (refKek is not null)
            {
                CryptographicOperations.ZeroMemory(refKek);
            }
        }
    }

    /// <summary>
    /// Checks a media reference and opens its blob; <see cref="ShroudError.MediaGone"/> once it has expired or is gone,
    /// <see cref="ShroudError.InvalidReference"/> when it does not authenticate. The audit record naming key
    /// <paramref name="keyId"/> is stored concurrently with the record read, and the media opens only once it is stored.
    /// </summary>
    public async Task<OpenedMedia> OpenAsync(string appId, string referenceText, string keyId, CancellationToken cancellationToken)
    {
        if (!ShroudReference.TryParse(referenceText, out var reference) || reference.AppId != appId)
        {
            throw InvalidReference();
        }

        await apps.EnsureExistsAsync(appId, cancellationToken);
        if (reference.ExpiresAt <= clock.GetUtcNow())
        {
            throw Gone(RedactionReason.Expired);
        }

        var audited = audit.WriteAsync(new AuditEntry(
            appId, AuditActions.MediaReveal, AuditOutcomes.Succeeded, keyId, RefIds: [reference.RefId], Counts: new Dictionary<string, int> { [AuditCounts.Revealed] = 1 }));
        var opening = OpenAsync(appId, reference, cancellationToken);
        await Task.WhenAll(audited, opening);
        return await opening;
    }

    private async Task<OpenedMedia> OpenAsync(string appId, ShroudReference reference, CancellationToken cancellationToken)
    {
        var stored = await records.ReadAsync(reference, cancellationToken) ?? throw Gone(RedactionReason.Gone);
        if (stored.Media is not { } media || stored.Address.ExpiresAt != reference.ExpiresAt)
        {
            throw InvalidReference();
        }

        if (stored.Address.ExpiresAt <= clock.GetUtcNow())
        {
            throw Gone(RedactionReason.Expired);
        }

        var kek = await apps.GetAsync(appId, stored.Sealed.KekVersion, cancellationToken) ?? throw InvalidReference();
        var address = new RecordAddress(appId, reference.RefId, stored.Address.ExpiresAt, stored.Address.ContentType);
        byte[] dek;
        string? fileName;
        try
        {
            dek = Envelope.UnwrapDek(stored.Sealed, address, kek, reference.RefKek);
            fileName = media.SealedFileName is null ? null : Encoding.UTF8.GetString(Aead.Open(dek, media.SealedFileName, FileNameAad(address)));
        }
        catch (CryptoFailure)
        {
            throw InvalidReference();
        }

        var blob = await blobs.OpenReadAsync(media.BlobName, cancellationToken);
        if (blob is null)
        {
            CryptographicOperations.ZeroMemory(dek);
            throw Gone(RedactionReason.Gone);
        }

        metrics.Revealed(SealedKind.Media, 1);
        return new OpenedMedia(address.ContentType, media.Size, fileName, async (output, ct) =>
        {
            await using (blob)
            {
                try
                {
                    await SegmentedAead.DecryptAsync(blob, dek, Envelope.DataAad(address), output, ct);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dek);
                }
            }
        });
    }

    private async Task<long> UploadAsync(string blobName, Stream content, byte[] dek, byte[] associatedData, CancellationToken cancellationToken)
    {
        long size = 0;
        await blobs.UploadAsync(
            blobName,
            async (ciphertext, ct) => size = await SegmentedAead.EncryptAsync(
                content, dek, associatedData, options.Value.MaxMediaBytes, (chunk, c) => ciphertext.WriteAsync(chunk, c), ct),
            cancellationToken);
        return size;
    }

    private static byte[] FileNameAad(RecordAddress address) =>
        AssociatedData.For(AssociatedData.FileName, address.AppId, address.RefId);

    private ShroudException Gone(RedactionReason reason)
    {
        metrics.Redacted(SealedKind.Media, reason);
        return new(ShroudError.MediaGone, "The media has expired or was deleted; only its redacted form remains.");
    }

    private static ShroudException InvalidReference() =>
        new(ShroudError.InvalidReference, "ref is not a valid media reference for this app.");
}
