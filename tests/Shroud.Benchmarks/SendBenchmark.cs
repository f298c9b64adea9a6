using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>
/// Sends through a channel (<c>POST …/channels/{id}/messages</c> with one sealed field, revealed toward a fake Slack API
/// on loopback) at concurrency 16 and 1, beside the raw cost of the same work done directly: one SDK point read of a row
/// shaped like a record and one HTTP call carrying the same message to the same fake; and beside that read and call made
/// behind one more HTTP hop, which tells the hop's cost from Shroud's own work. Scenarios interleave in rounds, in one
/// run; CPU per operation (this process and Azurite) and the audit records stored per insert are printed with them.
/// </summary>
internal static class SendBenchmark
{
    private const int Concurrency = 16;
    private const int Rounds = 10;
    private const double Target = 0.8;
    private const string BotToken = "xoxb-bench-bot-token";

    public static bool TryParse(string[] args, out double opsScale)
    {
        opsScale = 1;
        return args switch
        {
            [] => true,
            ["--ops-scale", var scale] => double.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out opsScale) && opsScale is > 0 and <= 100,
            _ => false,
        };
    }

    public static async Task RunAsync(double opsScale, CancellationToken ct)
    {
        var ops = Math.Max(Rounds * Concurrency, (int)Math.Round(4_000 * opsScale));
        var warmUp = Math.Max(100, ops / 10);
        var slots = warmUp + ops;
        var value = System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 256);

        Console.WriteLine($"Shroud sends benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, "
            + $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores (shared machine: compare ratios within one run).");
        Console.WriteLine($"Fresh in-memory Azurite; a fake Slack API on loopback; 256-byte values; concurrency {Concurrency}; scenarios interleaved in {Rounds} rounds.");
        Console.Error.WriteLine("Starting Azurite, the fake channel and the Shroud host...");

        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        await using var fake = await FakeSlack.StartAsync(value, ct);
        var raw = await RawTable.CreateAsync(azurite.ConnectionString, "benchraw", 256, slots, ct);
        await using var shroud = await ShroudService.StartForChannelsAsync(azurite.ConnectionString, value, slots, ct);

        using var channel = await shroud.PostAsAppAsync($"apps/{ShroudService.AppId}/channels", new
        {
            type = "slack",
            name = "bench",
            secrets = new { signingSecret = "bench-signing-secret", botToken = BotToken },
            forwardUrl = "https://bot.example.com/hooks",
            apiBaseUrl = fake.BaseUrl,
        }, ct);
        var channelId = channel.RootElement.GetProperty("id").GetString()!;
        var sendKey = await shroud.CreateKeyAsync(["send"], ct);

        Console.Error.WriteLine($"Sealing {slots:N0} values and writing as many raw rows...");
        await Load.RunAsync(shroud.EncryptAsync, 0, slots, Concurrency, ct);
        await Load.RunAsync(raw.InsertAsync, 0, slots, Concurrency, ct);

        using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var rawMessage = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { channel = "C024BE91L", text = value }));
        var directUrl = fake.BaseUrl + "/api/chat.postMessage";

        async Task RawAsync(int slot, CancellationToken token)
        {
            await raw.ReadAsync(slot, token);
            using var request = new HttpRequestMessage(HttpMethod.Post, directUrl) { Content = new ByteArrayContent(rawMessage) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BotToken);
            using var response = await direct.SendAsync(request, token);
            await FakeSlack.CheckAsync(response, "raw call", token);
        }

        async Task SendAsync(int slot, CancellationToken token)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["channel"] = "C024BE91L",
                ["text"] = new Dictionary<string, string> { ["$shroud"] = shroud.RefOf(slot), ["redacted"] = "★★★★★" },
            });
            using var answer = await shroud.PostAsync($"apps/{ShroudService.AppId}/channels/{channelId}/messages", body, sendKey, token);
            if (answer.RootElement.GetProperty("messageId").GetString() != FakeSlack.Ts)
            {
                throw new BenchmarkFailure("send answered without the channel's message id.");
            }
        }

        // The same read and call behind one more HTTP hop (a bare endpoint of the fake's host): what the hop into Shroud alone costs.
        fake.Hop = RawAsync;
        async Task HopAsync(int slot, CancellationToken token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, fake.BaseUrl + "/hop/" + slot) { Content = new ByteArrayContent(rawMessage) };
            using var response = await direct.SendAsync(request, token);
            response.EnsureSuccessStatusCode();
        }

        Scenario[] scenarios = [new("raw read+call", RawAsync), new("shroud send", SendAsync), new("hop read+call", HopAsync)];
        Console.Error.WriteLine($"Warm-up, then {ops:N0} operations per scenario in {Rounds} rounds...");
        foreach (var scenario in scenarios)
        {
            await Load.RunAsync(scenario.Op, 0, warmUp, Concurrency, ct);
        }

        var cpu = new CpuMeter();
        async Task<Measurement[]> MeasureAsync(int concurrency, int total)
        {
            var measured = scenarios.Select(s => new Measurement(s.Name, concurrency)).ToArray();
            var slot = warmUp;
            for (var round = 0; round < Rounds; round++)
            {
                var count = total / Rounds + (round < total % Rounds ? 1 : 0);
                for (var i = 0; i < scenarios.Length; i++)
                {
                    var before = cpu.Read();
                    var (latencies, elapsed) = await Load.RunAsync(scenarios[i].Op, slot, count, concurrency, ct);
                    var after = cpu.Read();
                    measured[i].Add(latencies, elapsed, before, after);
                }

                slot += count;
            }

            return measured;
        }

        // Concurrency 1 as well: there no process is short of CPU, so each send waits for an audit insert of its own.
        var loaded = await MeasureAsync(Concurrency, ops);
        var single = await MeasureAsync(1, Math.Max(Rounds, ops / 8));
        if (fake.Wrong > 0)
        {
            throw new BenchmarkFailure($"{fake.Wrong} messages reached the fake channel without the revealed value or the bot token.");
        }

        Console.WriteLine();
        Measurement.PrintTable(loaded.Concat(single), cpu.SeesAzurite);
        var (rows, records) = await AuditRowsAsync(azurite.ConnectionString, ct);
        Console.WriteLine(FormattableString.Invariant($"audit trail of the whole run: {records:N0} records in {rows:N0} inserts ({(double)records / rows:F1} per insert)."));
        Console.WriteLine();
        foreach (var measured in new[] { loaded, single })
        {
            var ratio = measured[1].OpsPerSecond / measured[0].OpsPerSecond;
            var concurrency = measured[0].Concurrency;
            Console.WriteLine(FormattableString.Invariant(
                $"send / (point read + call) ops/s at concurrency {concurrency}: {ratio:F2}; target >= {Target:F2}{(concurrency == Concurrency ? $": {(ratio >= Target ? "MET" : "NOT MET")} (informational)" : "")}"));
            Console.WriteLine(FormattableString.Invariant(
                $"  (hop + point read + call) / (point read + call): {measured[2].OpsPerSecond / measured[0].OpsPerSecond:F2}; send / (hop + point read + call): {measured[1].OpsPerSecond / measured[2].OpsPerSecond:F2}"));
        }
    }

    /// <summary>How many rows the audit table holds, and how many records they hold together (column <c>Count</c>).</summary>
    private static async Task<(int Rows, long Records)> AuditRowsAsync(string connectionString, CancellationToken ct)
    {
        var (rows, records) = (0, 0L);
        await foreach (var row in new TableClient(connectionString, "benchaudit").QueryAsync<TableEntity>(select: ["Count"], cancellationToken: ct))
        {
            rows++;
            records += row.GetInt32("Count") ?? 1;
        }

        return (rows, records);
    }

    /// <summary>Slack's <c>chat.postMessage</c> on loopback: answers as Slack does, and counts messages without the value or the token.</summary>
    private sealed class FakeSlack : IAsyncDisposable
    {
        public const string Ts = "1503435956.000247";

        private static readonly byte[] Answer = Encoding.UTF8.GetBytes($$"""{"ok":true,"channel":"C024BE91L","ts":"{{Ts}}"}""");

        private readonly WebApplication app;
        private int wrong;

        private FakeSlack(WebApplication app) => this.app = app;

        public string BaseUrl { get; private set; } = "";

        public int Wrong => wrong;

        public Func<int, CancellationToken, Task>? Hop { get; set; }

        public static async Task<FakeSlack> StartAsync(string value, CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var fake = new FakeSlack(builder.Build());
            fake.app.MapPost("/api/chat.postMessage", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                if (body.RootElement.GetProperty("text").GetString() != value || request.Headers.Authorization != "Bearer " + BotToken)
                {
                    Interlocked.Increment(ref fake.wrong);
                }

                return Results.Bytes(Answer, "application/json");
            });
            fake.app.MapPost("/hop/{slot:int}", async (int slot, HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                await fake.Hop!(slot, request.HttpContext.RequestAborted);
                return Results.Bytes(Answer, "application/json");
            });
            await fake.app.StartAsync(ct);
            fake.BaseUrl = fake.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return fake;
        }

        public static async Task CheckAsync(HttpResponseMessage response, string what, CancellationToken ct)
        {
            using var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
            if (!response.IsSuccessStatusCode || answer.RootElement.GetProperty("ts").GetString() != Ts)
            {
                throw new BenchmarkFailure($"{what}: the fake channel answered {(int)response.StatusCode}.");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
