using System.Buffers.Text;
using System.Text;
using Azure;
using Microsoft.AspNetCore.Http;

namespace Shroud.Api;

/// <summary>
/// HTTP entity tags over table ETags: a strong, opaque <c>"base64url"</c> of the table's ETag, so a client can send
/// it back in <c>If-Match</c> and Shroud can hand it to storage unchanged.
/// </summary>
public static class ETags
{
    public static string ToHeader(ETag etag) => $"\"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(etag.ToString()))}\"";

    /// <summary>The <c>If-Match</c> precondition: null when absent, <see cref="ETag.All"/> for <c>*</c>; an unreadable value matches nothing.</summary>
    public static ETag? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return null;
        }

        if (header == "*")
        {
            return ETag.All;
        }

        var inner = header.Length > 2 && header[0] == '"' && header[^1] == '"' ? header[1..^1] : "";
        return Base64Url.IsValid(inner) ? new ETag(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(inner))) : new ETag("unreadable");
    }

    /// <summary>Adds the ETag header to the response about to be written.</summary>
    public static void Set(HttpRequest request, ETag etag) => request.HttpContext.Response.Headers.ETag = ToHeader(etag);
}
