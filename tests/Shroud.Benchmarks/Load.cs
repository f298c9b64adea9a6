using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;

namespace Shroud.Benchmarks;

/// <summary>A failed operation or a wrong answer: the run stops and exits with 1.</summary>
internal sealed class BenchmarkFailure(string message) : Exception(message);

/// <summary>One benchmarked operation; <c>Op(slot, ct)</c> writes the item of that slot, or reads the item a write left there.</summary>
internal sealed record Scenario(string Name, Func<int, CancellationToken, Task> Op);

/// <summary>The latencies (Stopwatch ticks), busy time, CPU time and allocations of a scenario at one concurrency, summed over its rounds.</summary>
internal sealed class Measurement(string scenario, int concurrency)
{
    private readonly List<long> latencies = [];
    private CpuReading used;

    public string Scenario { get; } = scenario;

    public int Concurrency { get; } = concurrency;

    public TimeSpan Elapsed { get; private set; }

    public int Ops => latencies.Count;

    public double OpsPerSecond => Ops / Elapsed.TotalSeconds;

    /// <summary>CPU time of the benchmark process per operation, in milliseconds.</summary>
    public double SelfCpuMs => used.Self.TotalMilliseconds / Ops;

    /// <summary>CPU time of Azurite per operation, in milliseconds.</summary>
    public double AzuriteCpuMs => used.Azurite.TotalMilliseconds / Ops;

    /// <summary>Bytes the benchmark process allocated per operation, in KiB.</summary>
    public double AllocatedKiB => used.Allocated / 1024.0 / Ops;

    /// <summary>Adds a round: its latencies, how long it took, and the CPU and allocations between readings taken around it.</summary>
    public void Add(long[] roundLatencies, TimeSpan roundElapsed, CpuReading before, CpuReading after)
    {
        latencies.AddRange(roundLatencies);
        Elapsed += roundElapsed;
        var round = after - before;
        used = new(used.Self + round.Self, used.Azurite + round.Azurite, used.Allocated + round.Allocated);
    }

    /// <summary>Prints measurements as one table, with the CPU and allocation per operation.</summary>
    public static void PrintTable(IEnumerable<Measurement> measurements, bool seesAzurite)
    {
        Console.WriteLine($"{"scenario",-16} {"concurrency",11} {"ops",7} {"ops/s",8} {"p50 ms",7} {"p99 ms",7} {"cpu ms/op: .NET",16} {"Azurite",8} {"KiB/op",7}");
        foreach (var m in measurements)
        {
            var azurite = seesAzurite ? m.AzuriteCpuMs.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine(FormattableString.Invariant(
                $"{m.Scenario,-16} {m.Concurrency,11} {m.Ops,7:N0} {m.OpsPerSecond,8:N0} {m.PercentileMs(50),7:F2} {m.PercentileMs(99),7:F2} {m.SelfCpuMs,16:F2} {azurite,8} {m.AllocatedKiB,7:F1}"));
        }

        Console.WriteLine("(cpu ms/op: CPU time per operation of this process, which holds the load generator, Shroud with its storage client and any fake channel, and of Azurite; KiB/op: bytes this process allocated per operation.)");
    }

    /// <summary>Nearest-rank percentile in milliseconds.</summary>
    public double PercentileMs(double p)
    {
        var sorted = latencies.Order().ToArray();
        var ticks = sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return ticks * 1000.0 / Stopwatch.Frequency;
    }
}

internal static class Load
{
    /// <summary>
    /// Runs <paramref name="count"/> operations on slots <paramref name="start"/>.. with <paramref name="concurrency"/> workers in a
    /// closed loop (each starts its next operation when the previous one ends). The first failure cancels the other workers and is rethrown.
    /// </summary>
    public static async Task<(long[] Latencies, TimeSpan Elapsed)> RunAsync(
        Func<int, CancellationToken, Task> op, int start, int count, int concurrency, CancellationToken ct)
    {
        var latencies = new long[count];
        var next = -1;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        async Task WorkAsync()
        {
            try
            {
                for (int i; (i = Interlocked.Increment(ref next)) < count;)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var began = Stopwatch.GetTimestamp();
                    await op(start + i, stop.Token);
                    latencies[i] = Stopwatch.GetTimestamp() - began;
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }

        var startedAt = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkAsync)).ToArray();
        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            // Report the failure that stopped the run, not a cancellation it caused in another worker.
            var cause = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }

        return (latencies, Stopwatch.GetElapsedTime(startedAt));
    }
}
