namespace Shroud.Core.Media;

/// <summary>The blobs of sealed media: ciphertext only, uploaded in numbered blocks and streamed back.</summary>
public interface IMediaStore
{
    /// <summary>Stages block number <paramref name="index"/> of a blob; nothing is visible until <see cref="CommitAsync"/>.</summary>
    Task StageBlockAsync(string blobName, int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes blocks 0 to <paramref name="blockCount"/> − 1, in order, the blob's content.</summary>
    Task CommitAsync(string blobName, int blockCount, CancellationToken cancellationToken);

    /// <summary>A stream of the blob's content; null when the blob is gone.</summary>
    Task<Stream?> OpenReadAsync(string blobName, CancellationToken cancellationToken);

    Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken);
}
