using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Shroud.Api;
using Shroud.Core.Channels;

namespace Shroud.IntegrationTests.Channels;

/// <summary>The connect-time check behind every call to a tenant's address, against a listener on loopback.</summary>
public sealed class ChannelOutboundHandlerTests : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    public ChannelOutboundHandlerTests()
    {
        listener.Start();
        _ = AnswerAsync();
    }

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    private static HttpClient Client(string? allow) =>
        new(ChannelOutboundHandler.Create(new OutboundAddressPolicy(Options.Create(new ChannelOptions { AllowForwardTo = allow }))));

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_when_connecting()
    {
        using var client = Client(allow: null);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{Port}/"));

        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{Port}/"));
    }

    [Fact]
    public async Task An_address_the_setting_allows_is_reached()
    {
        using var client = Client(allow: "127.0.0.0/8,::1");

        using var response = await client.GetAsync($"http://localhost:{Port}/");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public void Dispose() => listener.Stop();

    private async Task AnswerAsync()
    {
        try
        {
            while (true)
            {
                using var connection = await listener.AcceptTcpClientAsync();
                var stream = connection.GetStream();
                var buffer = new byte[4096];
                _ = await stream.ReadAsync(buffer);
                await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The listener stopped at the end of the test.
        }
    }
}
