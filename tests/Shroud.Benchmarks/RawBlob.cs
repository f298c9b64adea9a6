using System.Security.Cryptography;
using Azure.Storage.Blobs;

namespace Shroud.Benchmarks;

/// <summary>The media baseline: the plain Azure.Storage.Blobs client, as a user would write it, uploading and downloading the same bytes.</summary>
internal sealed class RawBlob(BlobContainerClient container)
{
    private const int ReadBufferSize = 64 * 1024;

    public static async Task<RawBlob> CreateAsync(string connectionString, string containerName, CancellationToken ct)
    {
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient(containerName);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        return new RawBlob(container);
    }

    /// <summary>One <c>BlobClient.UploadAsync</c> of the stream (the SDK stages and commits blocks itself); returns the bytes uploaded.</summary>
    public async Task<long> UploadAsync(string blobName, PseudoRandomStream content, CancellationToken ct)
    {
        await container.GetBlobClient(blobName).UploadAsync(content, overwrite: true, ct);
        return content.Position;
    }

    /// <summary>Streams the blob down and hashes it; returns its length and SHA-256.</summary>
    public async Task<(long Length, byte[] Sha256)> DownloadAsync(string blobName, CancellationToken ct)
    {
        var download = await container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: ct);
        await using var content = download.Value.Content;
        return await HashAsync(content, ct);
    }

    public async Task DeleteAsync(string blobName, CancellationToken ct) => await container.DeleteBlobIfExistsAsync(blobName, cancellationToken: ct);

    /// <summary>Reads a stream to its end in 64 KiB chunks, hashing as it goes.</summary>
    public static async Task<(long Length, byte[] Sha256)> HashAsync(Stream stream, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ReadBufferSize];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (total, hash.GetHashAndReset());
    }
}
