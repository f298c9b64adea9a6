namespace Shroud.Storage;

/// <summary>A blob (or a range of it) being downloaded: the body streams from the network and is never buffered whole.</summary>
/// <remarks>Read <see cref="Content"/> once, front to back, then dispose the download to release the connection.</remarks>
public sealed class BlobDownload : IAsyncDisposable, IDisposable
{
    internal BlobDownload(Stream content, long contentLength, string? contentType)
    {
        Content = content;
        ContentLength = contentLength;
        ContentType = contentType;
    }

    /// <summary>The body as a forward-only network stream (a read failing mid-way throws; there is no resume).</summary>
    public Stream Content { get; }

    /// <summary>Bytes in <see cref="Content"/> (the range length for a ranged download), or -1 when the service sent no length.</summary>
    public long ContentLength { get; }

    /// <summary>The blob's content type, as given when it was committed or uploaded.</summary>
    public string? ContentType { get; }

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
