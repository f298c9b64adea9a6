using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Media;

namespace Shroud.Api;

/// <summary>
/// Media: the raw bytes go in as the request body (<c>encrypt</c>) and come back streamed to a key with <c>decrypt</c>.
/// The file name and TTL travel in headers, and the reference only ever in a body, never in a URL.
/// </summary>
public sealed class MediaApi(Gatekeeper gatekeeper, MediaVault media, IOptions<ShroudOptions> options)
{
    public const string FileNameHeader = "Shroud-File-Name";
    public const string TtlHeader = "Shroud-Ttl";
    private const int MaxHeaderValueLength = 255;

    public async Task<Ok<MediaResponse>> SealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Encrypt);
        var limit = options.Value.MaxMediaBytes;
        if (request.ContentLength > limit)
        {
            throw new ShroudException(ShroudError.MediaTooLarge, $"The media is {request.ContentLength} bytes; the limit is {limit} bytes.");
        }

        if (request.ContentLength == 0)
        {
            throw ShroudException.Invalid("body", "is empty: send the file's bytes as the request body.");
        }

        // The size limit is enforced while streaming, as media_too_large; the server's own limit sits one byte above it
        // (its default would stop media far sooner).
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limit + 1;
        }

        var contentType = Header(request.ContentType, "Content-Type") ?? "application/octet-stream";
        if (IsForm(contentType))
        {
            throw new ShroudException(
                ShroudError.UnsupportedMediaType,
                "Send the file's raw bytes as the body, with the file's own Content-Type (curl --data-binary @file -H 'Content-Type: image/jpeg'), not as a form.");
        }

        var fileName = Header(request.Headers[FileNameHeader].ToString(), FileNameHeader) is { } encoded ? Uri.UnescapeDataString(encoded) : null;
        var ttl = Header(request.Headers[TtlHeader].ToString(), TtlHeader) is { } text ? ValuesApi.Duration(TtlHeader, text) : (TimeSpan?)null;
        var sealedMedia = await media.SealAsync(appId, request.Body, contentType, fileName, ttl, ct);
        return TypedResults.Ok(new MediaResponse(sealedMedia.Reference, sealedMedia.ExpiresAt, sealedMedia.Size, sealedMedia.ContentType));
    }

    /// <summary>Streams the plaintext with its content type; 410 with a problem body (never bytes) once it has expired or is gone.</summary>
    public async Task<IResult> RevealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request, appId, Permissions.Decrypt);
        var body = await ShroudJson.ReadAsync<DecryptRequest>(request, RequestBody.Small, ct);
        var opened = await media.OpenAsync(appId, body.Ref ?? throw ShroudException.Invalid("ref", "is required."), caller.Name, ct);
        var response = request.HttpContext.Response;

        // Zeroes the file's key should the response end before its body starts streaming.
        response.RegisterForDisposeAsync(opened);
        response.ContentLength = opened.Size;
        // A download, never a page: stored text/html or SVG must not run as Shroud's origin. The file name is set here
        // rather than as the result's download name, which ASP.NET Core writes to its logs.
        var disposition = new ContentDispositionHeaderValue("attachment");
        if (opened.FileName is { } fileName)
        {
            disposition.SetHttpFileName(fileName);
        }

        response.Headers.ContentDisposition = disposition.ToString();
        response.Headers.XContentTypeOptions = "nosniff";

        return TypedResults.Stream(
            stream => opened.CopyToAsync((chunk, token) => stream.WriteAsync(chunk, token), ct),
            opened.ContentType);
    }

    /// <summary>What <c>curl -d</c> and HTML forms send: the file would be stored as form encoding, not as itself.</summary>
    private static bool IsForm(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (parsed.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || parsed.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase));

    private static string? Header(string? value, string name) => value switch
    {
        null or "" => null,
        { Length: > MaxHeaderValueLength } => throw ShroudException.Invalid(name, $"must be at most {MaxHeaderValueLength} characters."),
        _ when value.Any(char.IsControl) => throw ShroudException.Invalid(name, "must not hold control characters."),
        _ => value,
    };
}
