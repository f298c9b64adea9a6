using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shroud.Api;
using Shroud.Host;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>The real local host, in process on Kestrel over loopback, and a client calling its encrypt and decrypt routes.</summary>
internal sealed class ShroudService : IAsyncDisposable
{
    public const string AppId = "bench-app";
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly WebApplication app;
    private readonly HttpClient http;
    private readonly string[] refs;
    private readonly string value;
    private readonly byte[] encryptBody;
    private AuthenticationHeaderValue? appKey;
    private int non2xx;

    private ShroudService(WebApplication app, HttpClient http, string value, int slots)
    {
        this.app = app;
        this.http = http;
        this.value = value;
        refs = new string[slots];
        encryptBody = JsonSerializer.SerializeToUtf8Bytes(new { value, ttl = "PT1H" });
    }

    /// <summary>Responses outside 2xx so far (the first one also stops the run).</summary>
    public int Non2xx => non2xx;

    /// <summary>Starts the host wired as src/Shroud.Host/Program.cs does, then creates the app and an encrypt/decrypt key.</summary>
    public static async Task<ShroudService> StartAsync(string storageConnectionString, string value, int slots, CancellationToken ct)
    {
        var port = AzuriteProcess.FreeTcpPort();
        var bootstrapKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        // Production, so LocalAzurite and development settings stay out of the way; the arguments are the benchmark's, not the host's.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = storageConnectionString,
            ["Storage:TablePrefix"] = "bench",
            ["Shroud:BootstrapAdminKey"] = bootstrapKey,
            ["RootKeys:ActiveKeyId"] = "bench",
            ["RootKeys:Keys:bench"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Logging:LogLevel:Default"] = "Warning",
            ["urls"] = $"http://127.0.0.1:{port}",
        });

        // Warnings go to stderr so stdout holds only the figures.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.AddShroudHost();
        var app = builder.Build();
        app.MapShroudApi();
        await app.StartAsync(ct);

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32, UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/api/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var service = new ShroudService(app, http, value, slots);
        try
        {
            var bootstrap = new AuthenticationHeaderValue("Bearer", bootstrapKey);
            using var _ = await service.PostAsync("apps", new { id = AppId }, bootstrap, ct);
            using var key = await service.PostAsync($"apps/{AppId}/keys", new { name = "bench", permissions = new[] { "encrypt", "decrypt" } }, bootstrap, ct);
            service.appKey = new AuthenticationHeaderValue("Bearer", key.RootElement.GetProperty("key").GetString());
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>POST encrypt</c> with the benchmark value; keeps the reference for the decrypt of this slot.</summary>
    public async Task EncryptAsync(int slot, CancellationToken ct)
    {
        using var response = await SendAsync($"apps/{AppId}/encrypt", encryptBody, appKey, ct);
        refs[slot] = response.RootElement.GetProperty("ref").GetString() ?? throw new BenchmarkFailure("encrypt answered without a ref.");
    }

    /// <summary><c>POST decrypt</c> of the reference an encrypt left in this slot; checks the original value comes back.</summary>
    public async Task DecryptAsync(int slot, CancellationToken ct)
    {
        using var response = await SendAsync($"apps/{AppId}/decrypt", JsonSerializer.SerializeToUtf8Bytes(new { @ref = refs[slot] }), appKey, ct);
        if (response.RootElement.GetProperty("value").GetString() != value || response.RootElement.GetProperty("expired").GetBoolean())
        {
            throw new BenchmarkFailure("decrypt returned something other than the value that was encrypted.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    private Task<JsonDocument> PostAsync(string path, object body, AuthenticationHeaderValue key, CancellationToken ct) =>
        SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web), key, ct);

    private async Task<JsonDocument> SendAsync(string path, byte[] body, AuthenticationHeaderValue? key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = key;
        using var response = await http.SendAsync(request, ct);
        var content = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            // Problem responses never hold plaintext or references, so the body is safe to show.
            Interlocked.Increment(ref non2xx);
            var text = System.Text.Encoding.UTF8.GetString(content);
            throw new BenchmarkFailure($"POST /api/{path} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        }

        return JsonDocument.Parse(content);
    }
}
