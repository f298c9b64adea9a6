using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Shroud.Core.Channels;

/// <summary>
/// One webhook call as a channel sent it: the raw body bytes (signatures cover bytes, never a parsed form), headers
/// looked up case-insensitively, the raw query string and the time it arrived.
/// </summary>
public sealed class ChannelRequest
{
    private readonly Dictionary<string, string> headers;
    private readonly Dictionary<string, StringValues> query;

    public ChannelRequest(string method, IEnumerable<KeyValuePair<string, string>> headers, string? queryString, ReadOnlyMemory<byte> body, DateTimeOffset now)
    {
        Method = method;
        this.headers = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            // A header sent twice is ambiguous (which copy was signed?), so it counts as absent, like a repeated query parameter.
            this.headers[name] = this.headers.ContainsKey(name) ? "" : value;
        }

        query = QueryHelpers.ParseQuery(queryString);
        Body = body;
        Now = now;
    }

    public string Method { get; }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>When the request arrived, from the host's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Now { get; }

    public bool IsPost => HttpMethods.IsPost(Method);

    public bool IsGet => HttpMethods.IsGet(Method);

    /// <summary>The header's value, or null when it is absent, empty or repeated.</summary>
    public string? Header(string name) => headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>
    /// The query parameter's value, or null when it is absent, empty or repeated: a repeated parameter is ambiguous,
    /// and a handshake must not answer on one copy while another was checked.
    /// </summary>
    public string? QueryValue(string name) =>
        query.TryGetValue(name, out var values) && values.Count == 1 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
