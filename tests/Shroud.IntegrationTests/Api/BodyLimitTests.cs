using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Api;
using Shroud.Core.Records;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

/// <summary>Every route has a body limit fitting what it takes; a larger body is a 413 before it is read, and reads fan out boundedly.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BodyLimitTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "configure", "admin", "send")
{
    private const string App = "limits-app";

    public static TheoryData<string, string, bool, int> Routes() => new()
    {
        { "GET", "/api/health", false, RequestBody.None },
        { "POST", "/api/apps", true, RequestBody.Small },
        { "GET", $"/api/apps/{App}", false, RequestBody.None },
        { "PATCH", $"/api/apps/{App}", false, RequestBody.Small },
        { "POST", $"/api/apps/{App}/keys", true, RequestBody.Small },
        { "GET", $"/api/apps/{App}/keys", true, RequestBody.None },
        { "DELETE", $"/api/apps/{App}/keys/0123456789abcdef", true, RequestBody.None },
        { "GET", $"/api/apps/{App}/kek", true, RequestBody.None },
        { "POST", $"/api/apps/{App}/kek/rotate", true, RequestBody.None },
        { "POST", "/api/maintenance/run", true, RequestBody.None },
        { "POST", $"/api/apps/{App}/encrypt", false, RequestBody.Large },
        { "POST", $"/api/apps/{App}/decrypt", false, RequestBody.Medium },
        { "GET", $"/api/apps/{App}/configurations", false, RequestBody.None },
        { "POST", $"/api/apps/{App}/configurations", false, RequestBody.Medium },
        { "GET", $"/api/apps/{App}/configurations/0123456789abcdef", false, RequestBody.None },
        { "PUT", $"/api/apps/{App}/configurations/0123456789abcdef", false, RequestBody.Medium },
        { "DELETE", $"/api/apps/{App}/configurations/0123456789abcdef", false, RequestBody.None },
        { "GET", $"/api/apps/{App}/channels", false, RequestBody.None },
        { "POST", $"/api/apps/{App}/channels", false, RequestBody.Small },
        { "GET", $"/api/apps/{App}/channels/0123456789abcdef", false, RequestBody.None },
        { "PUT", $"/api/apps/{App}/channels/0123456789abcdef", false, RequestBody.Small },
        { "PATCH", $"/api/apps/{App}/channels/0123456789abcdef", false, RequestBody.Small },
        { "DELETE", $"/api/apps/{App}/channels/0123456789abcdef", false, RequestBody.None },
        { "POST", $"/api/apps/{App}/channels/0123456789abcdef/messages", false, RequestBody.Medium },
        { "PUT", $"/api/apps/{App}/conversations/c-1/encryption", false, RequestBody.Small },
        { "GET", $"/api/apps/{App}/conversations/c-1/encryption", false, RequestBody.None },
        { "DELETE", $"/api/apps/{App}/conversations/c-1/encryption", false, RequestBody.None },
        { "POST", $"/api/apps/{App}/events", false, RequestBody.Large },
        { "POST", $"/api/apps/{App}/events/reveal", false, RequestBody.Large },
        { "POST", $"/api/apps/{App}/media/reveal", false, RequestBody.Small },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_body_over_the_routes_limit_is_413_with_or_without_a_content_length(string method, string path, bool bootstrap, int limit)
    {
        foreach (var chunked in new[] { false, true })
        {
            var counter = new CountingStream(limit + 1L);
            var result = await SendAsync(method, path, bootstrap ? ShroudFactory.BootstrapKey : Key, counter, chunked);

            var problem = ShroudClient.AssertProblem(result, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
            Assert.Contains($"{limit} bytes", problem["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_the_body_is_read()
    {
        var serverReads = new List<long>();
        await using var counted = Factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new BodyReadCounter(serverReads))));
        using var client = counted.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/events/reveal") { Content = new StreamContent(new CountingStream(64L * 1024 * 1024)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentLength = 64L * 1024 * 1024;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, Assert.Single(serverReads));
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_taken()
    {
        var json = Encoding.UTF8.GetBytes("""{ "value": "at the limit" }""");
        var body = new byte[RequestBody.Large];
        body.AsSpan().Fill((byte)' ');
        json.CopyTo(body, 0);

        foreach (var chunked in new[] { false, true })
        {
            var (status, answer, _) = await SendAsync("POST", $"/api/apps/{App}/encrypt", Key, new MemoryStream(body), chunked);
            Assert.True(status == HttpStatusCode.OK, $"chunked {chunked}: {status} {answer?.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Large_bodies_wait_for_their_share_of_the_memory_budget_and_small_ones_never_wait()
    {
        var large = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { items = Enumerable.Range(0, 20).Select(_ => new { value = new string('x', 60 * 1024) }) }));
        Assert.True(large.Length > BodyBudget.Threshold);
        var whole = await BodyBudget.AcquireAsync(BodyBudget.Mebibytes * 1024L * 1024, CancellationToken.None);
        Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> waiting;
        try
        {
            waiting = SendAsync("POST", $"/api/apps/{App}/encrypt", Key, new MemoryStream(large), chunked: false);
            var small = await SendAsync("POST", $"/api/apps/{App}/encrypt", Key, new MemoryStream(Encoding.UTF8.GetBytes("""{ "value": "x" }""")), chunked: false);
            Assert.Equal(HttpStatusCode.OK, small.Item1);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.False(waiting.IsCompleted, "a large body was handled while the whole budget was taken");
        }
        finally
        {
            whole.Dispose();
        }

        var (status, answer, _) = await waiting;
        Assert.True(status == HttpStatusCode.OK, $"{status} {answer?.ToJsonString()}");
    }

    [Fact]
    public async Task A_batch_decrypt_runs_a_bounded_number_of_storage_reads_at_once()
    {
        var meter = new ConcurrencyMeter(TimeSpan.FromMilliseconds(20));
        await using var factory = new ShroudFactory(Azurite) { StoragePolicies = [meter] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync("fan-out-app", "encrypt", "decrypt");
        var refs = new List<string>();
        for (var batch = 0; batch < 2; batch++)
        {
            var sealedValues = await client.EncryptAsync("fan-out-app", key, new { items = Enumerable.Range(0, 50).Select(i => new { value = $"v{i}" }) });
            refs.AddRange(sealedValues["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()));
        }

        await client.DecryptAsync("fan-out-app", key, new { refs });
        meter.Reset();

        var revealed = await client.DecryptAsync("fan-out-app", key, new { refs });

        Assert.Equal(100, revealed["items"]!.AsArray().Count);
        Assert.InRange(meter.Peak, 2, Vault.MaxConcurrentReads);
    }

    private async Task<(HttpStatusCode, JsonNode?, HttpResponseMessage)> SendAsync(string method, string path, string key, Stream body, bool chunked)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StreamContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        else
        {
            request.Content.Headers.ContentLength = body.Length;
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    /// <summary>Counts, on the server, how many bytes of each request body the application read.</summary>
    private sealed class BodyReadCounter(List<long> reads) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                var body = new CountingStream(long.MaxValue, context.Request.Body);
                context.Request.Body = body;
                await proceed();
                lock (reads)
                {
                    reads.Add(body.BytesRead);
                }
            });
            next(app);
        };
    }

    /// <summary>
    /// A body of spaces of the given length, generated as it is read (or read from <paramref name="source"/>), that counts how
    /// much of it was read.
    /// </summary>
    private sealed class CountingStream(long length, Stream? source = null) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = source?.Read(buffer, offset, count) ?? (int)Math.Min(count, length - BytesRead);
            if (source is null)
            {
                buffer.AsSpan(offset, n).Fill((byte)' ');
            }

            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (source is null)
            {
                return Read(buffer.Span);
            }

            var n = await source.ReadAsync(buffer, cancellationToken);
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
