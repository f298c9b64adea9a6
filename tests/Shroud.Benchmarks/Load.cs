using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Shroud.Benchmarks;

/// <summary>A failed operation or a wrong answer: the run stops and exits with 1.</summary>
internal sealed class BenchmarkFailure(string message) : Exception(message);

/// <summary>One benchmarked operation; <c>Op(slot, ct)</c> writes the item of that slot, or reads the item a write left there.</summary>
internal sealed record Scenario(string Name, Func<int, CancellationToken, Task> Op);

/// <summary>The latencies (Stopwatch ticks), busy time and CPU time of a scenario at one concurrency, summed over its rounds.</summary>
internal sealed class Measurement(string scenario, int concurrency)
{
    private readonly List<long> latencies = [];
    private TimeSpan selfCpu;
    private TimeSpan azuriteCpu;

    public string Scenario { get; } = scenario;

    public int Concurrency { get; } = concurrency;

    public TimeSpan Elapsed { get; private set; }

    public int Ops => latencies.Count;

    public double OpsPerSecond => Ops / Elapsed.TotalSeconds;

    /// <summary>CPU time of the benchmark process per operation, in milliseconds.</summary>
    public double SelfCpuMs => selfCpu.TotalMilliseconds / Ops;

    /// <summary>CPU time of Azurite per operation, in milliseconds.</summary>
    public double AzuriteCpuMs => azuriteCpu.TotalMilliseconds / Ops;

    public void Add(long[] roundLatencies, TimeSpan roundElapsed, TimeSpan roundSelfCpu, TimeSpan roundAzuriteCpu)
    {
        latencies.AddRange(roundLatencies);
        Elapsed += roundElapsed;
        selfCpu += roundSelfCpu;
        azuriteCpu += roundAzuriteCpu;
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
