using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Shroud.IntegrationTests.Channels;

/// <summary>One request the bot received: its headers and body as sent, and the status it was answered with.</summary>
public sealed record BotRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status = 0);

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for a bot (or a channel's metadata host): it records every request and
/// answers each with what <see cref="Respond"/> says (200 by default). Over https with <paramref name="certificate"/>.
/// </summary>
public sealed class BotServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private BotServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<BotRequest> Requests { get; } = new();

    /// <summary>The status to answer a request with, or a document to serve for a path.</summary>
    public Func<BotRequest, (int Status, string? Json)> Respond { get; set; } = _ => (200, null);

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<BotServer> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l =>
        {
            if (certificate is not null)
            {
                l.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var server = new BotServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return server;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = new BotRequest(
            context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        var (status, json) = Respond(request);
        Requests.Enqueue(request with { Status = status });
        context.Response.StatusCode = status;
        if (json is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
