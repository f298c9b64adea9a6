using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shroud.Api;
using Shroud.Host;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>The real local host, in process on Kestrel over loopback, and a client calling its encrypt and decrypt routes (and media routes).</summary>
internal sealed class ShroudService : IAsyncDisposable
{
    public const string AppId = "bench-app";
    private const string HopIn = "/bench/hop-in";
    private const string HopOut = "/bench/hop-out";
    private const int CopyBufferSize = 64 * 1024;
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly WebApplication app;
    private readonly HttpClient http;
    private readonly HttpClient bodies;
    private HttpClient? media;
    private readonly string[] refs;
    private readonly string value;
    private readonly byte[] encryptBody;
    private AuthenticationHeaderValue? appKey;
    private AuthenticationHeaderValue? bootstrap;
    private int non2xx;

    private ShroudService(WebApplication app, HttpClient http, string value, int slots)
    {
        this.app = app;
        this.http = http;
        bodies = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false })
        {
            BaseAddress = http.BaseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        this.value = value;
        refs = new string[slots];
        encryptBody = JsonSerializer.SerializeToUtf8Bytes(new { value, ttl = "PT1H" });
    }

    /// <summary>Responses outside 2xx so far (the first one also stops the run).</summary>
    public int Non2xx => non2xx;

    /// <summary>Starts the host wired as src/Shroud.Host/Program.cs does, then creates the app and an encrypt/decrypt key.</summary>
    public static Task<ShroudService> StartAsync(string storageConnectionString, string value, int slots, CancellationToken ct) =>
        StartAsync(storageConnectionString, value, slots, maxMediaBytes: null, ct);

    /// <summary>
    /// As <see cref="StartAsync(string, string, int, CancellationToken)"/>, with media up to <paramref name="maxMediaBytes"/> and two
    /// benchmark-only routes beside the API that move bytes over the same loopback HTTP hop without Shroud: <c>POST /bench/hop-in</c>
    /// drains a request body, <c>POST /bench/hop-out?seed=S&amp;bytes=N</c> streams N bytes of the seeded generator.
    /// </summary>
    public static async Task<ShroudService> StartMediaAsync(string storageConnectionString, long maxMediaBytes, CancellationToken ct)
    {
        var service = await StartAsync(storageConnectionString, "", 0, maxMediaBytes, ct);
        service.media = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4, UseProxy = false })
        {
            BaseAddress = service.http.BaseAddress,
            Timeout = TimeSpan.FromMinutes(10),
        };
        return service;
    }

    /// <summary>
    /// As <see cref="StartAsync(string, string, int, CancellationToken)"/>, without the delivery queue's consumer: in Azure it
    /// runs in the Functions app's own instances, so the webhook benchmark measures acknowledgements alone.
    /// </summary>
    public static Task<ShroudService> StartWithoutDeliveriesAsync(string storageConnectionString, CancellationToken ct) =>
        StartAsync(storageConnectionString, "", 0, maxMediaBytes: null, ct, withoutDeliveries: true);

    /// <summary>
    /// As <see cref="StartAsync(string, string, int, CancellationToken)"/>, with the host allowed to call channel APIs on
    /// loopback (<c>Channels:AllowForwardTo</c>), for the sends benchmark.
    /// </summary>
    public static Task<ShroudService> StartForChannelsAsync(string storageConnectionString, string value, int slots, CancellationToken ct) =>
        StartAsync(storageConnectionString, value, slots, maxMediaBytes: null, ct, new Dictionary<string, string?> { ["Channels:AllowForwardTo"] = "127.0.0.0/8" });

    private static async Task<ShroudService> StartAsync(
        string storageConnectionString, string value, int slots, long? maxMediaBytes, CancellationToken ct, Dictionary<string, string?>? settings = null, bool withoutDeliveries = false)
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
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        if (maxMediaBytes is { } limit)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Shroud:MaxMediaBytes"] = limit.ToString(CultureInfo.InvariantCulture) });
        }

        // Warnings go to stderr so stdout holds only the figures.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.AddShroudHost();
        if (withoutDeliveries)
        {
            builder.Services.Remove(builder.Services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeliveryListener)));
        }

        var app = builder.Build();
        app.UseShroudApi();
        app.MapShroudApi();
        if (maxMediaBytes is not null)
        {
            MapHops(app);
        }

        await app.StartAsync(ct);

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32, UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/api/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var service = new ShroudService(app, http, value, slots);
        try
        {
            var bootstrap = service.bootstrap = new AuthenticationHeaderValue("Bearer", bootstrapKey);
            using var _ = await service.PostAsync("apps", new { id = AppId }, bootstrap, ct);
            using var key = await service.PostAsync($"apps/{AppId}/keys", new { name = "bench", permissions = new[] { "encrypt", "decrypt", "configure" } }, bootstrap, ct);
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

    /// <summary><c>POST media</c> streaming <paramref name="content"/> (with Content-Length); returns the reference and the size Shroud counted.</summary>
    public async Task<(string Ref, long Size)> UploadMediaAsync(PseudoRandomStream content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"apps/{AppId}/media") { Content = new StreamContent(content, CopyBufferSize) };
        request.Content.Headers.ContentType = OctetStream;
        request.Content.Headers.ContentLength = content.Size;
        request.Headers.Authorization = appKey;
        request.Headers.Add("Shroud-File-Name", "bench.bin");
        request.Headers.Add("Shroud-Ttl", "PT1H");
        using var response = await Media.SendAsync(request, ct);
        using var json = await ReadJsonAsync(response, "POST /api/apps/{appId}/media", ct);
        var reference = json.RootElement.GetProperty("ref").GetString() ?? throw new BenchmarkFailure("media upload answered without a ref.");
        return (reference, json.RootElement.GetProperty("size").GetInt64());
    }

    /// <summary><c>POST media/reveal</c>, reading the streamed plaintext as it arrives and hashing it; returns its length and SHA-256.</summary>
    public async Task<(long Length, byte[] Sha256)> RevealMediaAsync(string reference, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"apps/{AppId}/media/reveal")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { @ref = reference })),
        };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = appKey;
        return await ReadStreamedAsync(request, "POST /api/apps/{appId}/media/reveal", ct);
    }

    /// <summary>The HTTP hop alone, inwards: the same streamed upload to a route that only drains the body.</summary>
    public async Task<long> HopInAsync(PseudoRandomStream content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, HopIn) { Content = new StreamContent(content, CopyBufferSize) };
        request.Content.Headers.ContentType = OctetStream;
        request.Content.Headers.ContentLength = content.Size;
        using var response = await Media.SendAsync(request, ct);
        using var json = await ReadJsonAsync(response, "POST " + HopIn, ct);
        return json.RootElement.GetInt64();
    }

    /// <summary>The HTTP hop alone, outwards: a route that streams generated bytes in 64 KiB writes, read and hashed as a reveal is.</summary>
    public async Task<(long Length, byte[] Sha256)> HopOutAsync(ulong seed, long bytes, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, FormattableString.Invariant($"{HopOut}?seed={seed}&bytes={bytes}"));
        return await ReadStreamedAsync(request, "POST " + HopOut, ct);
    }

    /// <summary>
    /// A request with a raw JSON body and the app key (or the bootstrap admin key); the answer is read to its end and dropped.
    /// Returns its status and length.
    /// </summary>
    public async Task<(int Status, long Length)> SendBodyAsync(HttpMethod method, string path, byte[] body, bool asAdmin, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = asAdmin ? bootstrap : appKey;
        using var response = await bodies.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[16 * 1024];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            length += read;
        }

        return ((int)response.StatusCode, length);
    }

    /// <summary>A JSON request with the app key that must succeed; returns the answer.</summary>
    public Task<JsonDocument> PostAsAppAsync(string path, object body, CancellationToken ct) => PostAsync(path, body, appKey!, ct);

    /// <summary>A JSON request of any method with the app key that must succeed; the answer is dropped.</summary>
    public async Task SendAsAppAsync(HttpMethod method, string path, object body, CancellationToken ct)
    {
        using var _ = await SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web), appKey, ct, method);
    }

    /// <summary>A channel's webhook call (no API key; the channel's own signature headers) that must be answered 200.</summary>
    public async Task PostWebhookAsync(string path, byte[] body, IEnumerable<(string Name, string Value)> headers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/')[(Shroud.Api.Routes.Prefix.Length + 1)..]) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            Interlocked.Increment(ref non2xx);
            var text = await response.Content.ReadAsStringAsync(ct);
            throw new BenchmarkFailure($"the webhook answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        }
    }

    /// <summary>A new key of the benchmark app with <paramref name="permissions"/>, created with the bootstrap admin key.</summary>
    public async Task<AuthenticationHeaderValue> CreateKeyAsync(string[] permissions, CancellationToken ct)
    {
        using var key = await PostAsync($"apps/{AppId}/keys", new { name = "bench", permissions }, bootstrap!, ct);
        return new AuthenticationHeaderValue("Bearer", key.RootElement.GetProperty("key").GetString());
    }

    /// <summary>The reference an encrypt left in this slot.</summary>
    public string RefOf(int slot) => refs[slot];

    /// <summary>A JSON request with <paramref name="key"/> that must succeed; returns the answer.</summary>
    public Task<JsonDocument> PostAsync(string path, byte[] body, AuthenticationHeaderValue key, CancellationToken ct) => SendAsync(path, body, key, ct);

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        bodies.Dispose();
        media?.Dispose();
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    private HttpClient Media => media ?? throw new InvalidOperationException("Started without media; use StartMediaAsync.");

    private static void MapHops(WebApplication app)
    {
        app.MapPost(HopIn, async (HttpRequest request) =>
        {
            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = null;
            }

            var buffer = new byte[CopyBufferSize];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer, request.HttpContext.RequestAborted)) > 0)
            {
                total += read;
            }

            return TypedResults.Ok(total);
        });
        app.MapPost(HopOut, (HttpResponse response, ulong seed, long bytes) =>
        {
            response.ContentLength = bytes;
            return TypedResults.Stream(
                async stream =>
                {
                    using var source = new PseudoRandomStream(seed, bytes);
                    var buffer = new byte[CopyBufferSize];
                    int read;
                    while ((read = source.Read(buffer)) > 0)
                    {
                        await stream.WriteAsync(buffer.AsMemory(0, read), response.HttpContext.RequestAborted);
                    }
                },
                "application/octet-stream");
        });
    }

    private async Task<(long Length, byte[] Sha256)> ReadStreamedAsync(HttpRequestMessage request, string what, CancellationToken ct)
    {
        using var response = await Media.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            using var _ = await ReadJsonAsync(response, what, ct);
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var (length, sha256) = await RawBlob.HashAsync(body, ct);
        if (response.Content.Headers.ContentLength is { } declared && declared != length)
        {
            throw new BenchmarkFailure($"{what} declared {declared:N0} bytes and sent {length:N0}.");
        }

        return (length, sha256);
    }

    private async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var content = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref non2xx);
            var text = System.Text.Encoding.UTF8.GetString(content);
            throw new BenchmarkFailure($"{what} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        }

        return JsonDocument.Parse(content);
    }

    private Task<JsonDocument> PostAsync(string path, object body, AuthenticationHeaderValue key, CancellationToken ct) =>
        SendAsync(path, JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web), key, ct);

    private async Task<JsonDocument> SendAsync(string path, byte[] body, AuthenticationHeaderValue? key, CancellationToken ct, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Headers.Authorization = key;
        using var response = await http.SendAsync(request, ct);
        var content = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            // Problem responses never hold plaintext or references, so the body is safe to show.
            Interlocked.Increment(ref non2xx);
            var text = System.Text.Encoding.UTF8.GetString(content);
            throw new BenchmarkFailure($"{request.Method} /api/{path} answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        }

        return JsonDocument.Parse(content);
    }
}
