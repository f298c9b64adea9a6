using System.IO.Pipelines;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Shroud.Core.Media;

namespace Shroud.Storage;

/// <summary>The media container: block blobs of ciphertext, uploaded as they are written so no file is held in memory.</summary>
public sealed class MediaContainer(BlobContainerClient container) : IMediaStore
{
    /// <summary>Size of the blocks the SDK stages; with <see cref="UploadConcurrency"/> it bounds an upload's buffers.</summary>
    public const int BlockSize = 4 * 1024 * 1024;

    /// <summary>Blocks in flight at once: the SDK stages them concurrently while the next ones are being encrypted.</summary>
    public const int UploadConcurrency = 4;

    private static readonly BlobUploadOptions UploadOptions = new()
    {
        HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
        TransferOptions = new StorageTransferOptions
        {
            InitialTransferSize = BlockSize,
            MaximumTransferSize = BlockSize,
            MaximumConcurrency = UploadConcurrency,
        },
    };

    public async Task UploadAsync(string blobName, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        // The writer fills a pipe that the SDK's upload drains: at most one block waits in the pipe.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: BlockSize, resumeWriterThreshold: BlockSize / 2, useSynchronizationContext: false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = WriteAsync(pipe.Writer, write, stop.Token);
        try
        {
            await container.GetBlobClient(blobName).UploadAsync(pipe.Reader.AsStream(), UploadOptions, stop.Token);
        }
        catch
        {
            await stop.CancelAsync();

            // The writer's own failure (a size limit, a caller that went away) is the cause; a writer stopped here is not.
            try
            {
                await writing;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            throw;
        }

        await writing;
    }

    private static async Task WriteAsync(PipeWriter writer, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await write(writer.AsStream(leaveOpen: true), cancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            // Completing with the failure makes the upload's reads fail, so no blob is committed from a partial write.
            await writer.CompleteAsync(failure);
        }
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
}
