using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Api;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>
/// Hostile bodies: for each JSON route, 32 requests at once whose bodies are exactly the route's limit, with the content that costs
/// the most to handle (the largest values, the most references). Prints the process's peak memory growth over a baseline taken after
/// a full GC, and how far above the baseline it still is after the next full GC. Exits 0 unless a route answered 5xx.
/// </summary>
internal static class BodyBenchmark
{
    private const int Concurrency = 32;
    private const long PeakTargetBytes = 512L * 1024 * 1024;
    private const long AfterGcTargetBytes = 64L * 1024 * 1024;
    private const int MaxValueBytes = 60 * 1024;
    private const double Mib = 1024 * 1024;

    private sealed record Route(string Name, HttpMethod Method, string Path, int Limit, bool AsAdmin, Func<int, byte[]> Body);

    public static async Task RunAsync(CancellationToken ct)
    {
        Console.WriteLine($"Shroud body benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, "
            + $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC.");
        Console.WriteLine($"Fresh in-memory Azurite; per JSON route, {Concurrency} concurrent requests whose bodies are exactly the route's limit; "
            + "client, Kestrel host, Shroud and storage client in one process (bodies are built before measuring and shared by the requests).");
        Console.Error.WriteLine("Starting Azurite and the Shroud host...");

        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        await using var shroud = await ShroudService.StartMediaAsync(azurite.ConnectionString, 100L * 1024 * 1024, ct);
        var app = $"apps/{ShroudService.AppId}";

        Console.Error.WriteLine("Sealing the references the bodies carry...");
        var refs = new List<string>();
        for (var batch = 0; batch < 10; batch++)
        {
            using var sealedValues = await shroud.PostAsAppAsync($"{app}/encrypt", new { items = Enumerable.Range(0, 100).Select(_ => new { value = Text(256) }) }, ct);
            refs.AddRange(sealedValues.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("ref").GetString()!));
        }

        var (mediaRef, _) = await shroud.UploadMediaAsync(new PseudoRandomStream(7, 64 * 1024), ct);
        using var configuration = await shroud.PostAsAppAsync($"{app}/configurations", new { name = "bench", encryptUserMessages = true }, ct);
        var configurationId = configuration.RootElement.GetProperty("id").GetString()!;

        var encrypt = Fill(new JsonObject { ["items"] = Items(100, _ => new JsonObject { ["value"] = Text(MaxValueBytes) }) }, RequestBody.Large);
        var decrypt = Fill(new JsonObject { ["refs"] = Items(100, i => refs[i]) }, RequestBody.Medium);
        var events = Fill(Items(100, i => new JsonObject
        {
            ["id"] = $"e{i}", ["conversationId"] = "bench-c", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" },
            ["threadMode"] = "bot", ["sensitive"] = true, ["text"] = Text(MaxValueBytes), ["notes"] = Text((RequestBody.Large / 100) - MaxValueBytes - 300),
        }), RequestBody.Large);
        var reveal = Fill(Items(100, i => new JsonObject
        {
            ["id"] = $"e{i}", ["conversationId"] = "bench-c", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" },
            ["variables"] = new JsonObject(Enumerable.Range(0, 10).Select(v => KeyValuePair.Create<string, JsonNode?>(
                $"v{v}", new JsonObject { ["$shroud"] = refs[(i * 10) + v], ["redacted"] = "★★★★★" }))),
            ["notes"] = Text((RequestBody.Large / 100) - 3000),
        }), RequestBody.Large);

        Route[] routes =
        [
            new("POST apps", HttpMethod.Post, "apps", RequestBody.Small, true, i => Fill(new JsonObject { ["id"] = $"bench-app-{i}" }, RequestBody.Small)),
            new("POST keys", HttpMethod.Post, $"{app}/keys", RequestBody.Small, true, _ => Fill(new JsonObject { ["name"] = "k", ["permissions"] = Items(1, _ => "encrypt") }, RequestBody.Small)),
            new("PATCH app", HttpMethod.Patch, app, RequestBody.Small, false, _ => Fill(new JsonObject { ["redactionText"] = "[hidden]" }, RequestBody.Small)),
            new("encrypt", HttpMethod.Post, $"{app}/encrypt", RequestBody.Large, false, _ => encrypt),
            new("decrypt", HttpMethod.Post, $"{app}/decrypt", RequestBody.Medium, false, _ => decrypt),
            new("POST configurations", HttpMethod.Post, $"{app}/configurations", RequestBody.Medium, false,
                i => Fill(new JsonObject { ["name"] = $"c{i}", ["sensitiveVariables"] = Items(100, v => $"variable-{v}") }, RequestBody.Medium)),
            new("PUT conversation", HttpMethod.Put, $"{app}/conversations/bench-c/encryption", RequestBody.Small, false,
                _ => Fill(new JsonObject { ["configurationId"] = configurationId }, RequestBody.Small)),
            new("events", HttpMethod.Post, $"{app}/events", RequestBody.Large, false, _ => events),
            new("events/reveal", HttpMethod.Post, $"{app}/events/reveal", RequestBody.Large, false, _ => reveal),
            new("media/reveal", HttpMethod.Post, $"{app}/media/reveal", RequestBody.Small, false, _ => Fill(new JsonObject { ["ref"] = mediaRef }, RequestBody.Small)),
        ];

        Console.WriteLine();
        Console.WriteLine($"{"route",-20} {"limit",10} {"answers",-12} {"answer MiB",10} {"seconds",8} {"peak MiB",9} {"after GC MiB",13} {"heap after GC",14}");
        var worstPeak = 0L;
        var worstAfter = 0L;
        var failed = new List<string>();
        foreach (var route in routes)
        {
            var bodies = Enumerable.Range(0, Concurrency).Select(route.Body).ToArray();
            Console.Error.WriteLine($"{route.Name}: {Concurrency} x {bodies[0].Length:N0} bytes...");
            using var sampler = MemorySampler.Start();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var answers = await Task.WhenAll(bodies.Select(body => shroud.SendBodyAsync(route.Method, route.Path, body, route.AsAdmin, ct)));
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var memory = sampler.Stop();
            var (afterGc, heapAfterGc) = sampler.AfterCollection();
            worstPeak = Math.Max(worstPeak, memory.Growth);
            worstAfter = Math.Max(worstAfter, afterGc);
            var statuses = string.Join(",", answers.GroupBy(a => a.Status).Select(g => $"{g.Key}x{g.Count()}"));
            if (answers.Any(a => a.Status >= 500))
            {
                failed.Add(route.Name);
            }

            Console.WriteLine(Invariant($"{route.Name,-20} {route.Limit,10:N0} {statuses,-12} {answers.Sum(a => a.Length) / Mib,10:F1} {elapsed.TotalSeconds,8:F1} {memory.Growth / Mib,9:F0} {afterGc / Mib,13:F0} {heapAfterGc / Mib,14:F1}"));
        }

        Console.WriteLine("(peak: the largest of working set, kernel peak RSS and managed heap growth over the baseline; after GC: working set growth after full, compacting collections.)");
        Console.WriteLine();
        Console.WriteLine(Invariant($"target: peak growth < {PeakTargetBytes / Mib:F0} MiB on every route: {(worstPeak < PeakTargetBytes ? "MET" : "NOT MET")} (worst {worstPeak / Mib:F0} MiB)"));
        Console.WriteLine(Invariant($"target: back within {AfterGcTargetBytes / Mib:F0} MiB of the start after a GC: {(worstAfter < AfterGcTargetBytes ? "MET" : "NOT MET")} (worst {worstAfter / Mib:F0} MiB)"));
        if (failed.Count > 0)
        {
            throw new BenchmarkFailure($"5xx answers from: {string.Join(", ", failed)}.");
        }
    }

    private static JsonArray Items(int count, Func<int, JsonNode?> item) => new(Enumerable.Range(0, count).Select(item).ToArray());

    /// <summary>The JSON, padded with spaces before its last character to exactly <paramref name="limit"/> bytes.</summary>
    private static byte[] Fill(JsonNode json, int limit)
    {
        var text = Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        if (text.Length > limit)
        {
            throw new BenchmarkFailure($"a benchmark body is {text.Length:N0} bytes, over its limit of {limit:N0}.");
        }

        var body = new byte[limit];
        body.AsSpan().Fill((byte)' ');
        text.AsSpan(0, text.Length - 1).CopyTo(body);
        body[^1] = text[^1];
        return body;
    }

    private static string Text(int bytes) =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", bytes);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
