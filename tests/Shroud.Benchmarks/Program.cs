using System.Globalization;
using System.Runtime.InteropServices;
using Shroud.Host.Azurite;

namespace Shroud.Benchmarks;

/// <summary>
/// Figures for the README: raw Table Storage inserts and point reads against Shroud's HTTP encrypt and decrypt,
/// at concurrency 1 and 16, and the audited decrypt against the raw pair it costs (a point read and an insert issued together), in one run against a fresh in-memory Azurite. Prints figures, not a verdict:
/// exits 0 unless an operation failed or returned a wrong answer. With <c>media</c> as the first argument, the media benchmark
/// (<see cref="MediaBenchmark"/>) runs instead; with <c>functions</c>, the cold starts (<see cref="ColdStartBenchmark"/>); with <c>bodies</c>, the
/// hostile-body memory benchmark (<see cref="BodyBenchmark"/>); with <c>sends</c>, sends through a channel (<see cref="SendBenchmark"/>); with <c>webhooks</c>, channel webhook acknowledgements (<see cref="WebhookBenchmark"/>).
/// </summary>
internal static class Program
{
    private const string Usage = "usage: Shroud.Benchmarks [--ops-scale 1.0] [--value-bytes 256]\n       Shroud.Benchmarks media [--media-mib 100]\n       Shroud.Benchmarks functions [--app-dir src/Shroud.Functions/bin/Release/net10.0]\n       Shroud.Benchmarks bodies\n       Shroud.Benchmarks sends [--ops-scale 1.0]\n       Shroud.Benchmarks webhooks [--ops 4000]";
    private static readonly (int Concurrency, double Ratio)[] Targets = [(1, 0.60), (16, 0.90)];

    // An audited decrypt is one point read and one audit insert issued together: compared with exactly that pair.
    private const double AuditedDecryptTarget = 0.85;
    private const int AuditedDecryptConcurrency = 16;

    // Each scenario's operations are split into rounds run in turn (insert, encrypt, read, decrypt, insert, ...), so drift in
    // Azurite and load from other tenants of a shared machine hit all four alike instead of whichever happened to run last.
    private const int Rounds = 10;

    // Everything stops by itself; this only bounds a hung emulator.
    private static readonly TimeSpan HardLimit = TimeSpan.FromMinutes(10);

    private static async Task<int> Main(string[] args)
    {
        Func<CancellationToken, Task> run;
        var hardLimit = HardLimit;
        if (args is ["media", .. var mediaArgs])
        {
            if (!MediaBenchmark.TryParse(mediaArgs, out var mediaMib))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            run = ct => MediaBenchmark.RunAsync(mediaMib, ct);
            hardLimit = MediaBenchmark.HardLimit(mediaMib);
        }
        else if (args is ["functions", .. var functionsArgs])
        {
            if (!ColdStartBenchmark.TryParse(functionsArgs, out var appDirectory))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            run = ct => ColdStartBenchmark.RunAsync(appDirectory, ct);
        }
        else if (args is ["bodies"])
        {
            run = BodyBenchmark.RunAsync;
        }
        else if (args is ["sends", .. var sendArgs])
        {
            if (!SendBenchmark.TryParse(sendArgs, out var sendScale))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            run = ct => SendBenchmark.RunAsync(sendScale, ct);
        }
        else if (args is ["webhooks", .. var webhookArgs])
        {
            if (!WebhookBenchmark.TryParse(webhookArgs, out var webhookOps))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            run = ct => WebhookBenchmark.RunAsync(webhookOps, ct);
        }
        else if (TryParse(args, out var opsScale, out var valueBytes))
        {
            run = ct => RunAsync(opsScale, valueBytes, ct);
        }
        else
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var cts = new CancellationTokenSource(hardLimit);

        // On Ctrl+C or SIGTERM, unwind normally so that the host and Azurite are disposed.
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            cts.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            await run(cts.Token);
            return 0;
        }
        catch (Exception) when (cts.IsCancellationRequested)
        {
            // Whatever broke while stopping (a cancelled call, a connection closed by the stopping host) is a consequence.
            Console.Error.WriteLine("Stopped before the end (signal or time limit); no figures.");
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"FAILED: {(e is BenchmarkFailure ? e.Message : e.ToString())}");
            return 1;
        }
    }

    private static async Task RunAsync(double opsScale, int valueBytes, CancellationToken ct)
    {
        (int Concurrency, int Ops)[] levels = [(1, Scale(2_000, opsScale)), (16, Scale(8_000, opsScale))];
        var slots = levels.Sum(l => WarmUp(l.Ops) + l.Ops);
        var value = RandomValue(valueBytes);

        Console.WriteLine($"Shroud benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, "
            + $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores (shared machine: figures vary between runs; compare ratios within one run).");
        Console.WriteLine($"Fresh in-memory Azurite; {valueBytes}-byte values; scenarios interleaved in {Rounds} rounds; client, Kestrel host and storage client in one process, Azurite beside it on loopback.");
        Console.Error.WriteLine("Starting Azurite and the Shroud host...");

        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        var raw = await RawTable.CreateAsync(azurite.ConnectionString, "benchraw", valueBytes, slots, ct);
        await using var shroud = await ShroudService.StartAsync(azurite.ConnectionString, value, slots, ct);

        // Reads come after the writes of the same round and read exactly the rows those writes left.
        Scenario[] scenarios =
        [
            new("raw insert", raw.InsertAsync),
            new("shroud encrypt", shroud.EncryptAsync),
            new("raw point read", raw.ReadAsync),
            new("shroud decrypt", shroud.DecryptAsync),
            new("raw read+insert", raw.ReadAndInsertAuditAsync),
        ];

        var cpu = new CpuMeter();
        var results = new List<Measurement>();
        var slot = 0;
        try
        {
            foreach (var (concurrency, ops) in levels)
            {
                Console.Error.WriteLine($"Concurrency {concurrency}: warm-up, then {ops:N0} operations per scenario in {Rounds} rounds...");
                var warmUp = WarmUp(ops);
                foreach (var scenario in scenarios)
                {
                    await Load.RunAsync(scenario.Op, slot, warmUp, concurrency, ct);
                }

                slot += warmUp;
                var measurements = scenarios.Select(s => new Measurement(s.Name, concurrency)).ToArray();
                for (var round = 0; round < Rounds; round++)
                {
                    var count = ops / Rounds + (round < ops % Rounds ? 1 : 0);
                    for (var i = 0; i < scenarios.Length; i++)
                    {
                        var before = cpu.Read();
                        var (latencies, elapsed) = await Load.RunAsync(scenarios[i].Op, slot, count, concurrency, ct);
                        var after = cpu.Read();
                        measurements[i].Add(latencies, elapsed, before, after);
                    }

                    slot += count;
                }

                results.AddRange(measurements);
            }
        }
        finally
        {
            Console.Error.WriteLine($"Non-2xx responses from Shroud: {shroud.Non2xx}");
        }

        Report(results, cpu.SeesAzurite);
    }

    private static void Report(List<Measurement> results, bool azuriteCpu)
    {
        Console.WriteLine();
        Measurement.PrintTable(results, azuriteCpu);

        double Ratio(string shroud, string raw, int concurrency) =>
            results.Single(m => m.Scenario == shroud && m.Concurrency == concurrency).OpsPerSecond
            / results.Single(m => m.Scenario == raw && m.Concurrency == concurrency).OpsPerSecond;

        (string Name, string Shroud, string Raw)[] pairs = [("encrypt / insert", "shroud encrypt", "raw insert"), ("decrypt / point read", "shroud decrypt", "raw point read")];
        (string Name, string Shroud, string Raw)[] shown = [.. pairs, ("decrypt / read+insert", "shroud decrypt", "raw read+insert")];
        Console.WriteLine();
        Console.WriteLine($"{"Shroud/raw ops/s",-22} {"c=1",6} {"c=16",6}");
        foreach (var (name, shroud, raw) in shown)
        {
            Console.WriteLine(Invariant($"{name,-22} {Ratio(shroud, raw, 1),6:F2} {Ratio(shroud, raw, 16),6:F2}"));
        }

        Console.WriteLine();
        foreach (var (concurrency, target) in Targets)
        {
            var met = pairs.All(p => Ratio(p.Shroud, p.Raw, concurrency) >= target);
            Console.WriteLine(Invariant($"target: Shroud/raw ops/s at concurrency {concurrency} >= {target:F2} for encrypt and decrypt: {(met ? "MET" : "NOT MET")} (informational)"));
        }

        var audited = Ratio("shroud decrypt", "raw read+insert", AuditedDecryptConcurrency);
        Console.WriteLine(Invariant($"audited decrypt / (point read + insert together) at concurrency {AuditedDecryptConcurrency}: {audited:F2}; target >= {AuditedDecryptTarget:F2}: {(audited >= AuditedDecryptTarget ? "MET" : "NOT MET")} (informational)"));
    }

    private static bool TryParse(string[] args, out double opsScale, out int valueBytes)
    {
        opsScale = 1;
        valueBytes = 256;
        for (var i = 0; i < args.Length; i += 2)
        {
            var next = i + 1 < args.Length ? args[i + 1] : "";
            var ok = args[i] switch
            {
                "--ops-scale" => double.TryParse(next, NumberStyles.Float, CultureInfo.InvariantCulture, out opsScale) && opsScale is > 0 and <= 100,
                "--value-bytes" => int.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out valueBytes) && valueBytes is >= 1 and <= 60 * 1024,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static int Scale(int ops, double scale) => Math.Max(Rounds * 16, (int)Math.Round(ops * scale));

    /// <summary>Unmeasured operations per scenario before each concurrency level: JIT tiers, connection pools, Azurite's first rows.</summary>
    private static int WarmUp(int ops) => Math.Max(100, ops / 10);

    /// <summary>Random ASCII letters and digits, so UTF-8 length equals <paramref name="bytes"/> and JSON needs no escaping.</summary>
    private static string RandomValue(int bytes) =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", bytes);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
