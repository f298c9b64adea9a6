using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>Signs each attempt with the Blob service SharedKey scheme (fresh x-ms-date per retry).</summary>
/// <remarks>
/// StringToSign = VERB, Content-Encoding, Content-Language, Content-Length (empty when 0), Content-MD5, Content-Type, Date,
/// If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range (each + "\n"), then the x-ms-* headers
/// (lowercased, sorted, "name:value\n"), then "/" + account + escaped path and "\nname:value" per query parameter
/// (lowercased names sorted, decoded values; repeated names joined with ",").
/// </remarks>
internal sealed class BlobSharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    private static readonly string[] StandardHeaders =
    [
        "Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
        "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range",
    ];

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        var headers = request.Headers.Where(h => !h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).ToList();
        if (request.Content is not null && request.Content.TryComputeLength(out var length))
        {
            headers.Add(new HttpHeader("Content-Length", length.ToString(CultureInfo.InvariantCulture)));
        }

        var stringToSign = StringToSign(request.Method.Method, headers, request.Uri.ToUri());
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{Sign(stringToSign)}");
    }

    /// <summary>The Blob SharedKey string to sign for a request with these headers (Content-Length included as a header) and URI.</summary>
    internal string StringToSign(string method, IEnumerable<HttpHeader> headers, Uri uri)
    {
        var all = headers.ToList();
        var builder = new StringBuilder(method.ToUpperInvariant()).Append('\n');
        foreach (var name in StandardHeaders)
        {
            var value = Value(all, name);
            builder.Append(name == "Content-Length" && value == "0" ? "" : value).Append('\n');
        }

        foreach (var header in all
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), h.Value))
            .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value.Trim()).Append('\n');
        }

        builder.Append('/').Append(accountName).Append(uri.AbsolutePath.Length > 0 ? uri.AbsolutePath : "/");
        var parameters = uri.Query.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "")
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            builder.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.Order(StringComparer.Ordinal)));
        }

        return builder.ToString();
    }

    internal string Sign(string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(stringToSign)));

    private static string Value(List<HttpHeader> headers, string name) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value ?? "";
}
