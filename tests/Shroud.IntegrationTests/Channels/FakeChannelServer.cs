using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// A channel's API on 127.0.0.1 (Kestrel on a free port): it records every request as it arrived and answers what
/// <see cref="Answer"/> says, after <see cref="Delay"/> when set.
/// </summary>
public sealed class FakeChannelServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeChannelServer(WebApplication app) => this.app = app;

    /// <summary>
    /// One request as the fake channel received it: <see cref="Body"/> as UTF-8 text, <see cref="Bytes"/> as the bytes that
    /// came, <see cref="ContentLength"/> as declared (null when chunked).
    /// </summary>
    public sealed record Received(string Method, string Path, string? Authorization, string? ContentType, long? ContentLength, string Body, byte[] Bytes);

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The status and JSON body to answer a request with.</summary>
    public Func<Received, (int Status, string Json)> Answer { get; set; } = _ => (200, "{}");

    /// <summary>How long to wait before answering (a channel too slow for the send's bounds).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>A <c>Retry-After</c> header for every answer, when set.</summary>
    public string? RetryAfter { get; set; }

    /// <summary>Files the fake serves as raw bytes, by request path (a channel's media download URLs).</summary>
    public ConcurrentDictionary<string, (string ContentType, byte[] Bytes)> Files { get; } = new();

    /// <summary>How many file downloads to answer 503 before serving the file (a channel's media host failing for a while).</summary>
    public int FileFailures;

    /// <summary>A <c>Location</c> header for every answer that is not a file, when set (a redirect).</summary>
    public string? Location { get; set; }

    public string BaseUrl { get; private set; } = "";

    public static async Task<FakeChannelServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = new FakeChannelServer(builder.Build());
        server.app.Run(server.HandleAsync);
        await server.app.StartAsync();
        server.BaseUrl = server.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var received = new Received(
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.Authorization.FirstOrDefault(),
            context.Request.ContentType,
            context.Request.ContentLength,
            System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length),
            body.ToArray());
        Requests.Enqueue(received);
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (Files.TryGetValue(context.Request.Path, out var file))
        {
            if (Interlocked.Decrement(ref FileFailures) >= 0)
            {
                context.Response.StatusCode = 503;
                return;
            }

            context.Response.ContentType = file.ContentType;
            context.Response.ContentLength = file.Bytes.Length;
            await context.Response.Body.WriteAsync(file.Bytes);
            return;
        }

        var (status, json) = Answer(received);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (Location is not null)
        {
            context.Response.Headers.Location = Location;
        }

        if (RetryAfter is not null)
        {
            context.Response.Headers.RetryAfter = RetryAfter;
        }

        await context.Response.WriteAsync(json);
    }
}
