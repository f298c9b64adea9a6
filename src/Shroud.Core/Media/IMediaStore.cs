namespace Shroud.Core.Media;

/// <summary>The blobs of sealed media: ciphertext only, uploaded in numbered blocks and streamed back.</summary>
public interface IMediaStore
{
    /// <summary>
    /// Uploads what <paramref name="write"/> writes to the stream it is given, as it is written, without holding the
    /// whole blob in memory; the blob exists only if <paramref name="write"/> completes. A failure of
    /// <paramref name="write"/> is thrown as it is.
    /// </summary>
    Task UploadAsync(string blobName, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>A stream of the blob's content; null when the blob is gone.</summary>
    Task<Stream?> OpenReadAsync(string blobName, CancellationToken cancellationToken);

    Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken);
}
