using System.Net;
using System.Net.Sockets;
using Shroud.Core.Channels;

namespace Shroud.Api;

/// <summary>
/// The HTTP handler for every call Shroud makes to an address a tenant set (deliveries to <c>forwardUrl</c>, calls to
/// <c>apiBaseUrl</c>). A host name accepted when the channel was saved may resolve to an internal address later (DNS
/// rebinding), so each connection resolves the name itself and connects only to an address
/// <see cref="OutboundAddressPolicy.IsAllowed"/> accepts. Redirects are not followed: a public host could point
/// them inside.
/// </summary>
public static class ChannelOutboundHandler
{
    public static SocketsHttpHandler Create(OutboundAddressPolicy policy) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, context.DnsEndPoint, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(OutboundAddressPolicy policy, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        var allowed = addresses.Where(policy.IsAllowed).ToList();
        if (allowed.Count == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"No address of '{endPoint.Host}' may be called from Shroud.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToArray(), endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
