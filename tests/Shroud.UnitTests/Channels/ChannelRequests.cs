using System.Text;
using Shroud.Core.Channels;

namespace Shroud.UnitTests.Channels;

/// <summary>Builds webhook calls as a host would hand them to a verifier.</summary>
internal static class ChannelRequests
{
    public static ChannelRequest Post(string body, DateTimeOffset now, params (string Name, string Value)[] headers) =>
        Make("POST", body, null, now, headers);

    public static ChannelRequest Make(string method, string body, string? query, DateTimeOffset now, params (string Name, string Value)[] headers) =>
        new(method, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), query, Encoding.UTF8.GetBytes(body), now);

    public static ChannelSettings Channel(ChannelKind kind, params (string Name, string Value)[] secrets) =>
        new(kind, secrets.ToDictionary(s => s.Name, s => s.Value));

    public static ChannelVerdict Verify(this IChannelVerifier verifier, ChannelRequest request, ChannelSettings channel) =>
        verifier.VerifyAsync(request, channel, CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
