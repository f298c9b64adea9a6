using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Media;

namespace Shroud.Api.Channels;

/// <summary>
/// A media file a send carries: the sealed field it stands in (still in the payload, for the sender to replace with
/// what the channel's upload answers), its type, size and name, and its plaintext, streamed segment by segment as it
/// is decrypted. The file is opened (its first segment authenticated) before anything is sent; an upload the channel
/// client retries opens it again, since the stream of the first attempt is spent.
/// </summary>
public sealed class OutboundFile(string path, JsonObject field, OpenedMedia opened, Func<CancellationToken, Task<OpenedMedia>> reopen) : IAsyncDisposable
{
    /// <summary>The name a file sealed without one goes out with: channels that take files by upload require a name.</summary>
    public const string DefaultFileName = "file";

    private OpenedMedia? first = opened;

    /// <summary>The sealed field's JSON path in the payload, for error messages.</summary>
    public string Path { get; } = path;

    /// <summary>The sealed field, in its place in the payload.</summary>
    public JsonObject Field { get; } = field;

    /// <summary>The property the sealed field is the value of, null in an array.</summary>
    public string? Property => Field.Parent is JsonObject ? Field.GetPropertyName() : null;

    public string ContentType { get; } = opened.ContentType;

    public long Size { get; } = opened.Size;

    /// <summary>
    /// The file's name as channels get it in a multipart header: it comes from whoever uploaded the file, so quotes,
    /// backslashes and control characters, which would break that header (or fail, naming the file in the exception),
    /// become <c>_</c>.
    /// </summary>
    public string FileName { get; } = string.IsNullOrWhiteSpace(opened.FileName)
        ? DefaultFileName
        : string.Concat(opened.FileName.Select(c => c is '"' or '\\' || char.IsControl(c) || char.IsSurrogate(c) ? '_' : c));

    /// <summary>Writes the plaintext to <paramref name="output"/>, as it is decrypted.</summary>
    public async Task CopyToAsync(Stream output, CancellationToken cancellationToken)
    {
        var media = Interlocked.Exchange(ref first, null) ?? await reopen(cancellationToken);
        await media.CopyToAsync((chunk, token) => output.WriteAsync(chunk, token), cancellationToken);
    }

    /// <summary>The file as a request body or multipart part: its bytes, its content type and its length.</summary>
    public HttpContent Content() => new FileContent(this);

    /// <summary>The answer when the file stands where the channel takes none: a validation failure naming its path.</summary>
    public ShroudException Misplaced(string rule) => ShroudException.Invalid(Path, $"is a media file; {rule}");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref first, null) is { } media)
        {
            await media.DisposeAsync();
        }
    }

    private sealed class FileContent : HttpContent
    {
        private readonly OutboundFile file;

        public FileContent(OutboundFile file)
        {
            this.file = file;
            Headers.ContentType = MediaTypeHeaderValue.TryParse(file.ContentType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => file.CopyToAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            file.CopyToAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = file.Size;
            return true;
        }
    }
}
