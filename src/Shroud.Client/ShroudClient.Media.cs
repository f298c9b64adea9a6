using System.Net.Http.Headers;
using System.Xml;

namespace Shroud.Client;

public sealed partial class ShroudClient
{
    public const string FileNameHeader = "Shroud-File-Name";
    public const string TtlHeader = "Shroud-Ttl";

    /// <summary>
    /// Seals a file (permission <c>encrypt</c>), streaming <paramref name="content"/> as the request body: nothing is
    /// buffered whole. Not retried, since the stream is read once.
    /// </summary>
    public async Task<SealedMedia> SealMediaAsync(
        Stream content, string contentType, string? fileName = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var body = new StreamContent(content);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = Request(HttpMethod.Post, AppPath("/media"), body, safeToRepeat: false);
        if (fileName is not null)
        {
            request.Headers.TryAddWithoutValidation(FileNameHeader, Uri.EscapeDataString(fileName));
        }

        if (ttl is { } duration)
        {
            request.Headers.TryAddWithoutValidation(TtlHeader, XmlConvert.ToString(duration));
        }

        return (await SendJsonAsync<SealedMedia>(request, cancellationToken)).Value;
    }

    /// <summary>
    /// Opens a sealed file (permission <c>decrypt</c>) as a stream read from the answer as it arrives; dispose the result
    /// to release the connection. Once the file has expired or is gone, throws <see cref="ShroudException"/> with code
    /// <c>media_gone</c> (410).
    /// </summary>
    public async Task<RevealedMedia> RevealMediaAsync(string reference, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, AppPath("/media/reveal"), Json(new { @ref = reference }), safeToRepeat: true);
        var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        try
        {
            var headers = response.Content.Headers;
            return new RevealedMedia(
                response,
                await response.Content.ReadAsStreamAsync(cancellationToken),
                headers.ContentType?.ToString() ?? "application/octet-stream",
                headers.ContentDisposition is { } disposition ? (disposition.FileNameStar ?? disposition.FileName?.Trim('"')) : null,
                headers.ContentLength);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

/// <summary>A revealed file: its bytes as a stream, read from the connection as they arrive.</summary>
public sealed class RevealedMedia : IAsyncDisposable, IDisposable
{
    private readonly HttpResponseMessage response;

    internal RevealedMedia(HttpResponseMessage response, Stream content, string contentType, string? fileName, long? length)
    {
        this.response = response;
        Content = content;
        ContentType = contentType;
        FileName = fileName;
        Length = length;
    }

    public Stream Content { get; }

    public string ContentType { get; }

    public string? FileName { get; }

    public long? Length { get; }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        response.Dispose();
    }

    public void Dispose()
    {
        Content.Dispose();
        response.Dispose();
    }
}
