using System.Buffers;
using System.Buffers.Binary;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Shroud.Core.Media;

namespace Shroud.Storage;

/// <summary>The media container: block blobs of ciphertext, uploaded as they are written so no file is held in memory.</summary>
public sealed class MediaContainer(BlobContainerClient container) : IMediaStore
{
    /// <summary>Size of the blocks staged; with <see cref="UploadConcurrency"/> it bounds an upload's buffers.</summary>
    public const int BlockSize = 4 * 1024 * 1024;

    /// <summary>Blocks being staged at once while the next one is filled.</summary>
    public const int UploadConcurrency = 3;

    private static readonly CommitBlockListOptions CommitOptions = new() { HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" } };

    public async Task UploadAsync(string blobName, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        await using var blocks = new BlockStagingStream(container.GetBlockBlobClient(blobName), cancellationToken);
        await write(blocks, cancellationToken);
        await blocks.CommitAsync();
    }

    public async Task<Stream?> OpenReadAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var download = await container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
    }

    public async Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken) =>
        await container.DeleteBlobIfExistsAsync(blobName, cancellationToken: cancellationToken);

    /// <summary>
    /// A write-only stream that stages what is written as block-blob blocks, several at once, in pooled buffers, and
    /// commits them on <see cref="CommitAsync"/>: nothing is visible until then, so a failed write leaves no blob.
    /// The SDK's own parallel upload reads from a stream, which would put a pipe and one more copy of every byte
    /// between the encryptor and the upload; staging with the SDK's block calls keeps it to one copy into the block.
    /// </summary>
    private sealed class BlockStagingStream(BlockBlobClient blob, CancellationToken cancellationToken) : Stream
    {
        private readonly Queue<Task> staging = new();
        private readonly List<string> blockIds = [];
        private byte[] block = ArrayPool<byte>.Shared.Rent(BlockSize);
        private int filled;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            while (buffer.Length > 0)
            {
                var take = Math.Min(buffer.Length, BlockSize - filled);
                buffer[..take].CopyTo(block.AsMemory(filled));
                filled += take;
                buffer = buffer[take..];
                if (filled == BlockSize)
                {
                    await StageAsync();
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public async Task CommitAsync()
        {
            if (filled > 0)
            {
                await StageAsync();
            }

            while (staging.Count > 0)
            {
                await staging.Dequeue();
            }

            await blob.CommitBlockListAsync(blockIds, CommitOptions, cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            // After a failure, wait for the blocks still being staged so their buffers go back to the pool.
            foreach (var stage in staging)
            {
                await stage.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            ArrayPool<byte>.Shared.Return(block);
            await base.DisposeAsync();
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Media is written asynchronously.");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async Task StageAsync()
        {
            if (staging.Count == UploadConcurrency)
            {
                await staging.Dequeue();
            }

            var id = BlockId(blockIds.Count);
            blockIds.Add(id);
            staging.Enqueue(StageAsync(id, block, filled));
            block = ArrayPool<byte>.Shared.Rent(BlockSize);
            filled = 0;
        }

        private async Task StageAsync(string id, byte[] buffer, int length)
        {
            try
            {
                using var content = new MemoryStream(buffer, 0, length, writable: false);
                await blob.StageBlockAsync(id, content, cancellationToken: cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        // Block ids of one blob must all have the same length: the index as four big-endian bytes, base64.
        private static string BlockId(int index)
        {
            Span<byte> id = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(id, index);
            return Convert.ToBase64String(id);
        }
    }
}
