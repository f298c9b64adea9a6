using System.Buffers.Binary;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Shroud.Core.Media;

namespace Shroud.Storage;

/// <summary>The media container: block blobs of ciphertext, staged block by block so no file is held in memory.</summary>
public sealed class MediaContainer(BlobContainerClient container) : IMediaStore
{
    public async Task StageBlockAsync(string blobName, int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // A stream over the caller's buffer, not a copy of it.
        using var content = new BinaryData(data).ToStream();
        await Blob(blobName).StageBlockAsync(BlockId(index), content, cancellationToken: cancellationToken);
    }

    public async Task CommitAsync(string blobName, int blockCount, CancellationToken cancellationToken) =>
        await Blob(blobName).CommitBlockListAsync(
            Enumerable.Range(0, blockCount).Select(BlockId),
            new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } },
            cancellationToken);

    public async Task<Stream?> OpenReadAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var download = await Blob(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
    }

    public async Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken) =>
        await container.DeleteBlobIfExistsAsync(blobName, cancellationToken: cancellationToken);

    private BlockBlobClient Blob(string blobName) => container.GetBlockBlobClient(blobName);

    // Block ids of one blob must all have the same length: the index as four big-endian bytes, base64.
    private static string BlockId(int index)
    {
        Span<byte> id = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(id, index);
        return Convert.ToBase64String(id);
    }
}
