using System.Diagnostics;
using System.Globalization;

namespace Shroud.Benchmarks;

/// <summary>What one transfer cost in memory: peaks over the baseline taken just before it, and what it allocated.</summary>
internal sealed record MemoryFigures(
    long WorkingSetGrowth, long KernelPeakRssGrowth, long GcHeapGrowth, long GcHeapAfterGcGrowth, long Allocated, int Gen0, int Gen1, int Gen2, int Samples)
{
    /// <summary>
    /// The largest of the sampled working-set peak, the kernel's exact RSS high-water mark (when it could be read) and the managed heap
    /// peak: memory the GC had committed before the baseline can hold a transfer's garbage without the working set growing.
    /// </summary>
    public long Growth => Math.Max(Math.Max(WorkingSetGrowth, KernelPeakRssGrowth), GcHeapGrowth);
}

/// <summary>
/// Samples this process's memory every ~5 ms on a dedicated thread while a transfer runs. The process holds the load generator,
/// HttpClient, Kestrel, Shroud and the storage client alike, so the figures are theirs together.
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);
    private readonly Process process = Process.GetCurrentProcess();
    private readonly Thread thread;
    private readonly long baselineWorkingSet;
    private readonly long baselineGcHeap;
    private readonly long baselineHeapAfterGc;
    private readonly long? baselineRss;
    private readonly bool peakRssReset;
    private readonly long allocatedBefore;
    private readonly int gen0;
    private readonly int gen1;
    private readonly int gen2;
    private volatile bool stopping;
    private long peakWorkingSet;
    private long peakGcHeap;
    private long peakHeapAfterGc;
    private long samplerAllocated;
    private int samples;

    private MemorySampler()
    {
        // Baseline: after full, compacting collections, so that garbage from earlier transfers is not counted against this one.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        process.Refresh();
        baselineWorkingSet = peakWorkingSet = process.WorkingSet64;
        baselineGcHeap = peakGcHeap = GC.GetTotalMemory(false);
        baselineHeapAfterGc = peakHeapAfterGc = GC.GetGCMemoryInfo().HeapSizeBytes;

        // Linux: writing 5 to clear_refs resets VmHWM, the kernel's exact peak RSS, which no sampling interval can miss.
        peakRssReset = TryResetPeakRss();
        baselineRss = ReadStatusKib("VmRSS:");
        gen0 = GC.CollectionCount(0);
        gen1 = GC.CollectionCount(1);
        gen2 = GC.CollectionCount(2);
        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        thread = new Thread(Run) { IsBackground = true, Name = "memory sampler", Priority = ThreadPriority.AboveNormal };
        thread.Start();
    }

    /// <summary>Takes the baseline (after a full GC) and starts sampling.</summary>
    public static MemorySampler Start() => new();

    /// <summary>Stops sampling; the figures exclude the sampler thread's own allocations.</summary>
    public MemoryFigures Stop()
    {
        stopping = true;
        thread.Join();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore - samplerAllocated;
        var kernelPeak = peakRssReset && baselineRss is { } rss && ReadStatusKib("VmHWM:") is { } hwm ? hwm - rss : 0;
        return new MemoryFigures(
            peakWorkingSet - baselineWorkingSet,
            kernelPeak,
            peakGcHeap - baselineGcHeap,
            peakHeapAfterGc - baselineHeapAfterGc,
            allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2,
            samples);
    }

    /// <summary>
    /// After <see cref="Stop"/>: full, compacting collections (the large object heap too), then how far the working set and the
    /// managed heap still are above the baseline. Memory the transfer kept alive shows here; garbage does not.
    /// </summary>
    public (long WorkingSetGrowth, long GcHeapGrowth) AfterCollection()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        process.Refresh();
        return (process.WorkingSet64 - baselineWorkingSet, GC.GetTotalMemory(false) - baselineGcHeap);
    }

    public void Dispose()
    {
        if (!stopping)
        {
            Stop();
        }

        process.Dispose();
    }

    private void Run()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        do
        {
            Thread.Sleep(Interval);
            Sample();
        }
        while (!stopping);

        Sample();
        samplerAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private void Sample()
    {
        process.Refresh();
        peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
        peakGcHeap = Math.Max(peakGcHeap, GC.GetTotalMemory(false));
        peakHeapAfterGc = Math.Max(peakHeapAfterGc, GC.GetGCMemoryInfo().HeapSizeBytes);
        samples++;
    }

    private static bool TryResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>A "Name: value kB" line of /proc/self/status, in bytes.</summary>
    private static long? ReadStatusKib(string name)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }
}
