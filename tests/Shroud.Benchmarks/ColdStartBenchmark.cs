using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Shroud.FunctionsHostDriver;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>
/// Cold starts, against a fresh in-memory Azurite: the compiled Functions worker started through the test Functions host
/// (process start to the first successful <c>health</c> and <c>encrypt</c> invocations) beside the local host started as
/// its own process (process start to the first 200 of the same two routes). Median of <see cref="Runs"/> starts each, on
/// tables and an app that already exist, as after a deployment. Prints figures; exits 0 unless a start failed.
/// </summary>
internal static class ColdStartBenchmark
{
    public const int Runs = 5;

    private const string AppId = "cold-app";
    private const string TablePrefix = "cold";
    private static readonly TimeSpan PollDelay = TimeSpan.FromMilliseconds(10);

    /// <summary>The output folder of src/Shroud.Functions in this benchmark's configuration, built before it.</summary>
    private static string BuildOutput { get; } = typeof(ColdStartBenchmark).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ShroudFunctionsAppDirectory").Value!;

    /// <summary><c>[--app-dir folder]</c>: the Functions app to start, for example a published package; the build output by default.</summary>
    public static bool TryParse(string[] args, out string appDirectory)
    {
        appDirectory = BuildOutput;
        if (args is [])
        {
            return true;
        }

        if (args is ["--app-dir", var folder] && File.Exists(Path.Combine(folder, "worker.config.json")))
        {
            appDirectory = Path.GetFullPath(folder);
            return true;
        }

        return false;
    }

    public static async Task RunAsync(string appDirectory, CancellationToken ct)
    {
        Console.WriteLine($"Shroud cold-start benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, "
            + $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"Fresh in-memory Azurite; {Runs} cold starts each, tables and app created beforehand; times from process start.");
        Console.WriteLine($"Functions app: {appDirectory}");
        Console.Error.WriteLine("Starting Azurite...");
        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        var settings = Settings(azurite.ConnectionString);

        // A start that is not counted creates the tables, the app and its key, so every counted start finds them.
        string key;
        await using (var setup = await FunctionsHost.StartAsync(appDirectory, settings, ct))
        {
            key = await CreateAppAsync(setup.CreateClient(), settings["Shroud__BootstrapAdminKey"], ct);
        }

        var worker = new List<(TimeSpan Health, TimeSpan Encrypt)>();
        var local = new List<(TimeSpan Health, TimeSpan Encrypt)>();
        for (var run = 1; run <= Runs; run++)
        {
            Console.Error.WriteLine($"Run {run} of {Runs}...");
            worker.Add(await FunctionsWorkerStartAsync(appDirectory, settings, key, ct));
            local.Add(await LocalHostStartAsync(settings, key, ct));
        }

        Console.WriteLine();
        Console.WriteLine($"{"",-44}{"median",10}  runs (ms)");
        Report("Functions worker: start → health 200", worker.Select(r => r.Health));
        Report("Functions worker: start → encrypt 200", worker.Select(r => r.Encrypt));
        Report("local host: start → health 200", local.Select(r => r.Health));
        Report("local host: start → encrypt 200", local.Select(r => r.Encrypt));
    }

    private static Dictionary<string, string> Settings(string storageConnectionString) => new()
    {
        ["Storage__ConnectionString"] = storageConnectionString,
        ["Storage__TablePrefix"] = TablePrefix,
        ["Storage__DeliveryQueue"] = "shroud-deliveries",
        ["DeliveryQueueConnection"] = storageConnectionString,
        ["Shroud__BootstrapAdminKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["RootKeys__ActiveKeyId"] = "cold",
        ["RootKeys__Keys__cold"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static async Task<string> CreateAppAsync(HttpClient http, string bootstrapKey, CancellationToken ct)
    {
        using var app = new HttpRequestMessage(HttpMethod.Post, "api/apps") { Content = JsonContent.Create(new { id = AppId }) };
        app.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bootstrapKey);
        using var created = await http.SendAsync(app, ct);
        Expect(created, HttpStatusCode.Created, "create app");
        using var keyRequest = new HttpRequestMessage(HttpMethod.Post, $"api/apps/{AppId}/keys") { Content = JsonContent.Create(new { name = "cold", permissions = new[] { "encrypt" } }) };
        keyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bootstrapKey);
        using var key = await http.SendAsync(keyRequest, ct);
        Expect(key, HttpStatusCode.Created, "create key");
        using var body = JsonDocument.Parse(await key.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    private static async Task<(TimeSpan Health, TimeSpan Encrypt)> FunctionsWorkerStartAsync(string appDirectory, Dictionary<string, string> settings, string key, CancellationToken ct)
    {
        await using var host = await FunctionsHost.StartAsync(appDirectory, settings, ct);
        using var http = host.CreateClient();
        return await FirstSuccessesAsync(http, key, host.WorkerStartedTimestamp, ct);
    }

    /// <summary>The local host as a process of its own (the build next to this benchmark), listening on a free loopback port.</summary>
    private static async Task<(TimeSpan Health, TimeSpan Encrypt)> LocalHostStartAsync(Dictionary<string, string> settings, string key, CancellationToken ct)
    {
        var port = AzuriteProcess.FreeTcpPort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Shroud.Host.dll"));
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        // Unprefixed, so it outranks the Urls of the host's appsettings.json.
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        using var process = new Process { StartInfo = start };
        // Read and dropped, so the host never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        var started = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            return await FirstSuccessesAsync(http, key, started, ct);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>Calls health until it answers 200, then encrypt until it answers 200; times from <paramref name="started"/>.</summary>
    private static async Task<(TimeSpan Health, TimeSpan Encrypt)> FirstSuccessesAsync(HttpClient http, string key, long started, CancellationToken ct)
    {
        await UntilOkAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/health"), ct);
        var health = Stopwatch.GetElapsedTime(started);
        await UntilOkAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"api/apps/{AppId}/encrypt") { Content = JsonContent.Create(new { value = "jane@example.com" }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return request;
        }, ct);
        return (health, Stopwatch.GetElapsedTime(started));

        async Task UntilOkAsync(Func<HttpRequestMessage> request, CancellationToken token)
        {
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
            while (true)
            {
                try
                {
                    using var message = request();
                    using var response = await http.SendAsync(message, token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException) when (Stopwatch.GetTimestamp() < deadline)
                {
                    // Not listening yet.
                }

                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    throw new BenchmarkFailure($"{request().RequestUri} did not answer 200 within 60 s of the start.");
                }

                await Task.Delay(PollDelay, token);
            }
        }
    }

    private static void Expect(HttpResponseMessage response, HttpStatusCode status, string step)
    {
        if (response.StatusCode != status)
        {
            throw new BenchmarkFailure($"{step} answered {(int)response.StatusCode}.");
        }
    }

    private static void Report(string name, IEnumerable<TimeSpan> times)
    {
        var ms = times.Select(t => t.TotalMilliseconds).ToList();
        var median = ms.Order().ElementAt(ms.Count / 2);
        Console.WriteLine($"{name,-44}{median,8:F0} ms  {string.Join(" ", ms.Select(m => m.ToString("F0", CultureInfo.InvariantCulture)))}");
    }
}
