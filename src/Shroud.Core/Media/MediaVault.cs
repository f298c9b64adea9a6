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

/// <summary>
/// A media file ready to stream back, its first segment already authenticated: its metadata, and a copy that writes each
/// segment once it is authenticated. It holds the file's decryptor until the copy ends or it is disposed, whichever comes
/// first, and then zeroes the plaintext it holds.
/// </summary>
public sealed class OpenedMedia(string contentType, long size, string? fileName, Stream ciphertext, SegmentedAead.Decryptor decryptor, ReadOnlyMemory<byte> first)
    : IAsyncDisposable
{
    public string ContentType { get; } = contentType;

    public long Size { get; } = size;

    public string? FileName { get; } = fileName;

    /// <summary>Streams the plaintext; a failure in a later segment (a tampered blob) throws <see cref="CryptoFailure"/>.</summary>
    public async Task CopyToAsync(SegmentedAead.Sink output, CancellationToken cancellationToken)
    {
        await using (this)
        {
            await output(first, cancellationToken);
            while (await decryptor.NextAsync(cancellationToken) is { } segment)
            {
                await output(segment, cancellationToken);
            }
        }
    }

    /// <summary>Zeroes the decrypted segment and closes the blob, also for a reveal whose response never got to its body.</summary>
    public async ValueTask DisposeAsync()
    {
        decryptor.Dispose();
        await ciphertext.DisposeAsync();
    }
}

/// <summary>
/// Seals media files: the DEK is wrapped exactly as for text values and kept in the record row (with the expiry),
/// while the blob holds only the segmented ciphertext, uploaded as it is encrypted so that no file is ever held in
/// memory.
/// </summary>
public sealed class MediaVault(
    AppDirectory apps, IRecordStore records, IMediaStore blobs, Vault vault, TimeProvider clock, IOptions<ShroudOptions> options, ShroudMetrics metrics, AuditTrail audit)
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
            var sealedName = fileName is null ? null : SealFileName(dek, fileName, address);
            var reference = ShroudReference.Create(appId, refId, expiresAt, refKek);
            var record = new StoredRecord(RecordPartitions.For(reference), address, new SealedRecord([], wrappedDek, kek.Version), new MediaBlob(blobName, size, sealedName));
            await WriteOrDeleteBlobAsync(record, cancellationToken);
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
        try
        {
            await Task.WhenAll(audited, opening);
        }
        catch when (opening.IsCompletedSuccessfully)
        {
            // Fail closed: without its audit record the media is not revealed, and what was opened is closed at once.
            await opening.Result.DisposeAsync();
            throw;
        }

        return opening.Result;
    }

    /// <summary>
    /// Opens a media reference without an audit record of its own: for a caller that stored one before (a channel send,
    /// whose <c>channel.send</c> record names the file). Fails as <see cref="OpenAsync(string, string, string, CancellationToken)"/> does.
    /// </summary>
    public async Task<OpenedMedia> OpenAsync(string appId, ShroudReference reference, CancellationToken cancellationToken)
    {
        var found = await vault.FindAsync(appId, reference, InvalidReference, cancellationToken);
        if (found.Redacted is { } reason)
        {
            throw Gone(reason);
        }

        var (stored, address, kek) = (found.Stored!, found.Address!, found.Kek!);
        if (stored.Media is not { } media)
        {
            throw InvalidReference();
        }

        byte[] dek;
        try
        {
            dek = Envelope.UnwrapDek(stored.Sealed, address, kek, reference.RefKek);
        }
        catch (CryptoFailure)
        {
            throw InvalidReference();
        }

        Stream? blob = null;
        SegmentedAead.Decryptor? decryptor = null;
        try
        {
            var fileName = media.SealedFileName is null ? null : OpenFileName(dek, media.SealedFileName, address);
            blob = await blobs.OpenReadAsync(media.BlobName, cancellationToken) ?? throw Gone(RedactionReason.Gone);

            // The first segment is authenticated before anything is answered, so a tampered file is a problem response, not
            // a broken stream; only a failure in a later segment has to abort a response already under way.
            decryptor = await SegmentedAead.Decryptor.OpenAsync(blob, dek, Envelope.DataAad(address), cancellationToken);
            var first = await decryptor.NextAsync(cancellationToken) ?? ReadOnlyMemory<byte>.Empty;
            metrics.Revealed(SealedKind.Media, 1);
            var opened = new OpenedMedia(address.ContentType, media.Size, fileName, blob, decryptor, first);
            (blob, decryptor) = (null, null);
            return opened;
        }
        catch (CryptoFailure)
        {
            throw InvalidReference();
        }
        finally
        {
            // The decryptor holds its own copy of the key; nothing else needs the DEK once it exists.
            CryptographicOperations.ZeroMemory(dek);
            decryptor?.Dispose();
            if (blob is not null)
            {
                await blob.DisposeAsync();
            }
        }
    }

    private static string OpenFileName(byte[] dek, byte[] sealedName, RecordAddress address)
    {
        byte[]? name = null;
        try
        {
            name = Aead.Open(dek, sealedName, FileNameAad(address));
            return Encoding.UTF8.GetString(name);
        }
        catch (CryptoFailure)
        {
            throw InvalidReference();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(name);
        }
    }

    /// <summary>
    /// Writes the record row; when that fails the blob is deleted, since the sweep finds blobs through their rows only
    /// and would never delete it. The delete does not follow the caller's token, which may be why the write failed.
    /// </summary>
    private async Task WriteOrDeleteBlobAsync(StoredRecord record, CancellationToken cancellationToken)
    {
        try
        {
            await records.WriteAsync([record], cancellationToken);
        }
        catch
        {
            try
            {
                await blobs.DeleteIfExistsAsync(record.Media!.BlobName, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Storage failed both; the write's failure is the one the caller needs to see. The blob is left behind
                // until the container's lifecycle rule (maximum TTL + 1 day) deletes it.
            }

            throw;
        }
    }

    private async Task<long> UploadAsync(string blobName, Stream content, byte[] dek, byte[] associatedData, CancellationToken cancellationToken)
    {
        long size = 0;
        await blobs.UploadAsync(
            blobName,
            async (ciphertext, ct) =>
            {
                size = await SegmentedAead.EncryptAsync(
                    content, dek, associatedData, options.Value.MaxMediaBytes, (chunk, c) => ciphertext.WriteAsync(chunk, c), ct);

                // Failing the write fails the upload before it is committed, so an empty upload leaves no blob behind.
                if (size == 0)
                {
                    throw ShroudException.Invalid("body", "is empty: send the file's bytes as the request body.");
                }
            },
            cancellationToken);
        return size;
    }

    private static byte[] SealFileName(byte[] dek, string fileName, RecordAddress address)
    {
        var name = Encoding.UTF8.GetBytes(fileName);
        try
        {
            return Aead.Seal(dek, name, FileNameAad(address));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(name);
        }
    }

    private static byte[] FileNameAad(RecordAddress address) =>
        AssociatedData.For(AssociatedData.FileName, address.AppId, address.RefId);

    private ShroudException Gone(RedactionReason reason)
    {
        metrics.Redacted(SealedKind.Media, reason);
        return new(ShroudError.MediaGone, "The media has expired or was deleted; only its redacted form remains.");
    }

    private static ShroudException InvalidReference() => ShroudException.InvalidReference("ref");
}
