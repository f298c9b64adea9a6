using System.Security.Cryptography;
using Shroud.Core.Media;
using Shroud.Storage;

namespace Shroud.Benchmarks;

/// <summary>The media baseline: Shroud's own blob client uploading the same bytes as Shroud does, in blocks of the same size, one at a time.</summary>
internal sealed class RawBlob(BlobContainerClient container)
{
    private const int ReadBufferSize = 64 * 1024;

    public static async Task<RawBlob> CreateAsync(string connectionString, string containerName, CancellationToken ct)
    {
        var container = BlobServiceClient.FromConnectionString(connectionString).GetContainerClient(containerName);
        await container.CreateIfNotExistsAsync(ct);
        return new RawBlob(container);
    }

    /// <summary>Stages <paramref name="content"/> in blocks of <see cref="MediaVault.BlockSize"/> and commits them; returns the bytes uploaded.</summary>
    public async Task<long> UploadAsync(string blobName, Stream content, CancellationToken ct)
    {
        var block = new byte[MediaVault.BlockSize];
        var ids = new List<string>();
        long total = 0;
        while (true)
        {
            var filled = 0;
            int read;
            while (filled < block.Length && (read = await content.ReadAsync(block.AsMemory(filled), ct)) > 0)
            {
                filled += read;
            }

            if (filled == 0)
            {
                break;
            }

            var id = BlobContainerClient.BlockId(ids.Count);
            await container.StageBlockAsync(blobName, id, block.AsMemory(0, filled), ct);
            ids.Add(id);
            total += filled;
            if (filled < block.Length)
            {
                break;
            }
        }

        await container.CommitBlocksAsync(blobName, ids, "application/octet-stream", ct);
        return total;
    }

    /// <summary>Streams the blob down and hashes it; returns its length and SHA-256.</summary>
    public async Task<(long Length, byte[] Sha256)> DownloadAsync(string blobName, CancellationToken ct)
    {
        await using var download = await container.DownloadAsync(blobName, ct: ct) ?? throw new BenchmarkFailure($"raw download: blob {blobName} is missing.");
        return await HashAsync(download.Content, ct);
    }

    public Task DeleteAsync(string blobName, CancellationToken ct) => container.DeleteIfExistsAsync(blobName, ct);

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
