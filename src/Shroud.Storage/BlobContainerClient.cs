using System.Globalization;
using System.Text;
using Azure.Core;

namespace Shroud.Storage;

/// <summary>Block blob operations in one container; every method is one HTTP request (plus pipeline retries).</summary>
/// <remarks>
/// Blob names are 1-1,024 characters and may contain '/' (each segment is escaped); "." and ".." segments are rejected.
/// Error messages name the operation, container, status and service error code, never blob names or contents.
/// </remarks>
public sealed class BlobContainerClient
{
    /// <summary>Most blocks one blob can have committed.</summary>
    public const int MaxBlocks = 50_000;

    private const int MaxBlockIdBytes = 64;
    private readonly BlobPipeline _pipeline;

    internal BlobContainerClient(BlobPipeline pipeline, string name)
    {
        _pipeline = pipeline;
        Name = name;
    }

    /// <summary>The container name.</summary>
    public string Name { get; }

    /// <summary>A block id for the block at <paramref name="index"/>: ten digits, so ids of any index have equal length.</summary>
    public static string BlockId(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return index.ToString("D10", CultureInfo.InvariantCulture);
    }

    /// <summary>Creates the container (private, no public access) unless it already exists.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken ct = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Name);
        message.Request.Uri.AppendQuery("restype", "container");
        var response = await _pipeline.SendAsync(message, Describe("CreateContainer"), ct).ConfigureAwait(false);
        if (BlobPipeline.Failed(response) && !(response.Status == 409 && BlobPipeline.ErrorCode(response) == "ContainerAlreadyExists"))
        {
            throw BlobPipeline.Failure(response, Describe("CreateContainer"));
        }
    }

    /// <summary>Uploads one uncommitted block of a block blob (Put Block); nothing is visible until <see cref="CommitBlocksAsync"/>.</summary>
    /// <param name="blobName">The blob the block belongs to.</param>
    /// <param name="blockId">
    /// The caller's plain id (at most 64 UTF-8 bytes), base64-encoded here. All ids of one blob, staged or committed, must have the
    /// same length, or the service fails with 400 "InvalidBlobOrBlock"; use <see cref="BlockId(int)"/>.
    /// </param>
    /// <param name="data">The block: 1 byte up to the service limit (4,000 MiB).</param>
    /// <param name="ct">Cancels the request.</param>
    public async Task StageBlockAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var encodedId = EncodeBlockId(blockId, nameof(blockId));
        if (data.IsEmpty)
        {
            throw new ArgumentException("A block holds at least one byte.", nameof(data));
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Put, BlobPipeline.BlobPath(Name, blobName));
        message.Request.Uri.AppendQuery("comp", "block");
        message.Request.Uri.AppendQuery("blockid", encodedId);
        message.Request.Content = RequestContent.Create(data);
        await SendAsync(message, "StageBlock", ct).ConfigureAwait(false);
    }

    /// <summary>Commits the blob as exactly these staged (or already committed) blocks in this order (Put Block List), replacing any previous content.</summary>
    /// <param name="blobName">The blob.</param>
    /// <param name="blockIds">The caller's plain ids as passed to <see cref="StageBlockAsync"/>: 0 to 50,000 of equal length; an unknown id fails with 400 "InvalidBlockList".</param>
    /// <param name="contentType">Stored as the blob's content type and returned by downloads.</param>
    /// <param name="ct">Cancels the request.</param>
    public async Task CommitBlocksAsync(string blobName, IReadOnlyList<string> blockIds, string contentType, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(blockIds);
        if (blockIds.Count > MaxBlocks)
        {
            throw new ArgumentException($"A blob holds at most {MaxBlocks} blocks.", nameof(blockIds));
        }

        var body = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        int? length = null;
        foreach (var blockId in blockIds)
        {
            var encodedId = EncodeBlockId(blockId, nameof(blockIds));
            var byteCount = Encoding.UTF8.GetByteCount(blockId);
            if ((length ??= byteCount) != byteCount)
            {
                throw new ArgumentException("All block ids of a blob must have the same length.", nameof(blockIds));
            }

            body.Append("<Latest>").Append(encodedId).Append("</Latest>"); // base64 needs no XML escaping
        }

        body.Append("</BlockList>");
        using var message = _pipeline.CreateMessage(RequestMethod.Put, BlobPipeline.BlobPath(Name, blobName));
        message.Request.Uri.AppendQuery("comp", "blocklist");
        message.Request.Headers.SetValue("x-ms-blob-content-type", ValidateContentType(contentType));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString()));
        await SendAsync(message, "CommitBlocks", ct).ConfigureAwait(false);
    }

    /// <summary>Uploads the whole blob in one request (Put Blob, block blob), replacing any previous content; meant for small blobs.</summary>
    public async Task UploadAsync(string blobName, ReadOnlyMemory<byte> data, string contentType, CancellationToken ct = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, BlobPipeline.BlobPath(Name, blobName));
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Headers.SetValue("x-ms-blob-content-type", ValidateContentType(contentType));
        message.Request.Content = RequestContent.Create(data);
        await SendAsync(message, "Upload", ct).ConfigureAwait(false);
    }

    /// <summary>Starts downloading the blob, or the range [offset, offset + length) of it; null when the blob does not exist (a missing container still throws).</summary>
    /// <param name="blobName">The blob.</param>
    /// <param name="offset">First byte; beyond the end of the blob fails with 416 "InvalidRange".</param>
    /// <param name="length">Bytes wanted (at least 1), or null for the rest of the blob; a range past the end is cut to the end.</param>
    /// <param name="ct">Cancels the request up to the response headers; pass a token to the stream reads for the body.</param>
    /// <returns>The streaming body, to read and dispose; it is not buffered in memory.</returns>
    public async Task<BlobDownload?> DownloadAsync(string blobName, long offset = 0, long? length = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } l && (l < 1 || l > long.MaxValue - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(length), "A range holds at least one byte and ends within a 64-bit offset.");
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Get, BlobPipeline.BlobPath(Name, blobName));
        message.BufferResponse = false;
        if (offset > 0 || length is not null)
        {
            var end = length is { } count ? (offset + count - 1).ToString(CultureInfo.InvariantCulture) : "";
            message.Request.Headers.SetValue("x-ms-range", $"bytes={offset.ToString(CultureInfo.InvariantCulture)}-{end}");
        }

        var response = await _pipeline.SendAsync(message, Describe("Download"), ct).ConfigureAwait(false);
        if (response.Status == 404 && BlobPipeline.ErrorCode(response) == "BlobNotFound")
        {
            return null;
        }

        if (BlobPipeline.Failed(response))
        {
            throw BlobPipeline.Failure(response, Describe("Download"));
        }

        // Detach the network stream from the message, which is disposed here; the download now owns it.
        var content = message.ExtractResponseContent() ?? Stream.Null;
        return new BlobDownload(content, response.Headers.ContentLength ?? -1, response.Headers.ContentType);
    }

    /// <summary>Deletes the blob with its snapshots; false when it does not exist (a missing container still throws).</summary>
    public async Task<bool> DeleteIfExistsAsync(string blobName, CancellationToken ct = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, BlobPipeline.BlobPath(Name, blobName));
        message.Request.Headers.SetValue("x-ms-delete-snapshots", "include");
        var response = await _pipeline.SendAsync(message, Describe("Delete"), ct).ConfigureAwait(false);
        if (response.Status == 404 && BlobPipeline.ErrorCode(response) == "BlobNotFound")
        {
            return false;
        }

        return BlobPipeline.Failed(response) ? throw BlobPipeline.Failure(response, Describe("Delete")) : true;
    }

    private static string EncodeBlockId(string blockId, string parameter)
    {
        if (string.IsNullOrEmpty(blockId))
        {
            throw new ArgumentException("Block ids are non-empty strings.", parameter);
        }

        var bytes = Encoding.UTF8.GetBytes(blockId);
        return bytes.Length <= MaxBlockIdBytes
            ? Convert.ToBase64String(bytes)
            : throw new ArgumentException($"Block ids are at most {MaxBlockIdBytes} UTF-8 bytes.", parameter);
    }

    private static string ValidateContentType(string contentType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        return contentType.Trim();
    }

    private async Task SendAsync(HttpMessage message, string operation, CancellationToken ct)
    {
        var response = await _pipeline.SendAsync(message, Describe(operation), ct).ConfigureAwait(false);
        if (BlobPipeline.Failed(response))
        {
            throw BlobPipeline.Failure(response, Describe(operation));
        }
    }

    private string Describe(string operation) => $"{operation} in container '{Name}'";
}
