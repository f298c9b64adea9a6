using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>
/// Every route's request body limit, and reading a body whole within it. A body whose declared length is over the limit
/// is refused with 413 before any of it is read; one sent without a length is refused as soon as it passes the limit.
/// Both hosts read bodies only through here, so the limits hold whatever the server in front of them allows.
/// </summary>
public static class RequestBody
{
    /// <summary>Routes that take no body: <c>GET</c>, <c>DELETE</c>, <c>kek/rotate</c>, <c>maintenance/run</c>.</summary>
    public const int None = 0;

    /// <summary>Create app, create key, app settings, conversation encryption, media reveal: a few short fields.</summary>
    public const int Small = 16 * 1024;

    /// <summary><c>decrypt</c>: up to 100 references of at most 256 characters; configurations; a message sent through a channel.</summary>
    public const int Medium = 64 * 1024;

    /// <summary><c>encrypt</c>, <c>events</c> and <c>events/reveal</c>: 100 values or events of up to 60 KiB each, and the JSON around them.</summary>
    public const int Large = 8 * 1024 * 1024;

    /// <summary>Refuses a route's body when its declared length is over <paramref name="limit"/>, and holds the server to the limit too.</summary>
    public static void Limit(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = limit;
        }
    }

    /// <summary>Refuses any body on a route that takes none, by its declared length or, sent without one, by its first byte.</summary>
    public static async Task EnsureEmptyAsync(HttpRequest request)
    {
        Limit(request, None);
        if (request.ContentLength is null && await BoundedRead.HasMoreAsync(request.Body, request.HttpContext.RequestAborted))
        {
            throw TooLarge(None);
        }
    }

    /// <summary>Reads the whole body into one array of its own size (for a declared length) within <paramref name="limit"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        Limit(request, limit);
        var declared = request.ContentLength;

        // Held until the answer has been written: events/reveal answers from the body itself.
        if ((declared ?? limit) > BodyBudget.Threshold)
        {
            request.HttpContext.Response.RegisterForDispose(await BodyBudget.AcquireAsync(declared ?? limit, cancellationToken));
        }

        return await BoundedRead.ReadAsync(request.Body, declared, limit, cancellationToken) ?? throw TooLarge(limit);
    }

    private static ShroudException TooLarge(long limit) =>
        new(ShroudError.BodyTooLarge, $"The request body is over this route's limit of {limit} bytes.");
}
