using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Shroud.Core.Media;
using Shroud.Host.Azurite;
using Shroud.Storage;

namespace Shroud.Benchmarks;

/// <summary>
/// Media figures, in one run against a fresh in-memory Azurite: the process's peak memory growth while one file
/// goes in (upload) and out (reveal), and Shroud's upload throughput against a raw block-blob upload of the same bytes. Everything
/// streams: the bytes come from a seeded generator and are hashed on the way in and on the way out, never held whole. Prints figures
/// and informational MET/NOT MET lines; exits 0 unless a transfer failed or returned other bytes.
/// </summary>
internal static class MediaBenchmark
{
    private const int Rounds = 3;
    private const double ThroughputTarget = 0.80;
    private const long MemoryTargetBytes = 32L * 1024 * 1024;
    private const int WarmUpMib = 32;
    private const ulong Seed = 0x5368_726F_7564_0006;
    private const double Mib = 1024 * 1024;

    private const string RawUpload = "raw upload";
    private const string HopIn = "http hop in";
    private const string ShroudUpload = "shroud upload";
    private const string RawDownload = "raw download";
    private const string HopOut = "http hop out";
    private const string ShroudReveal = "shroud reveal";
    private static readonly string[] Scenarios = [RawUpload, HopIn, ShroudUpload, RawDownload, HopOut, ShroudReveal];

    public static bool TryParse(string[] args, out int mib)
    {
        mib = 100;
        for (var i = 0; i < args.Length; i += 2)
        {
            var next = i + 1 < args.Length ? args[i + 1] : "";
            var ok = args[i] switch
            {
                "--media-mib" => int.TryParse(next, NumberStyles.None, CultureInfo.InvariantCulture, out mib) && mib is >= 1 and <= 4096,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Ten minutes, or more for a large file: only bounds a hung emulator.</summary>
    public static TimeSpan HardLimit(int mib) => TimeSpan.FromSeconds(Math.Max(600, mib * 6));

    public static async Task RunAsync(int mib, CancellationToken ct)
    {
        var bytes = mib * 1024L * 1024;
        Console.WriteLine($"Shroud media benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {RuntimeInformation.FrameworkDescription}, "
            + $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC "
            + "(shared machine: figures vary between runs; compare ratios within one run).");
        Console.WriteLine($"Fresh in-memory Azurite; one {mib} MiB file of seeded pseudo-random bytes, generated and hashed (SHA-256) chunk by chunk on the way in "
            + $"and hashed on the way out; raw upload: BlobClient.UploadAsync with the SDK's default transfer options; Shroud: {MediaContainer.BlockSize / (1024 * 1024)} MiB blocks, "
            + $"up to {MediaContainer.UploadConcurrency} staged at once (MediaContainer).");
        Console.WriteLine($"{Rounds} measured rounds after an unmeasured {WarmUpMib} MiB warm-up; each round runs, in turn: {string.Join(", ", Scenarios)}. "
            + "MB/s = 10^6 bytes/s; the median of the rounds.");
        Console.WriteLine("Client (HttpClient), Kestrel host, Shroud and storage client in one process, Azurite beside it on loopback.");
        Console.Error.WriteLine("Starting Azurite and the Shroud host...");

        await using var azurite = await AzuriteProcess.StartAsync(
            new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true), ct);
        var raw = await RawBlob.CreateAsync(azurite.ConnectionString, "benchraw", ct);
        await using var shroud = await ShroudService.StartMediaAsync(azurite.ConnectionString, Math.Max(bytes, 100L * 1024 * 1024), ct);

        var cpu = new CpuMeter();
        Console.Error.WriteLine($"Warm-up with {WarmUpMib} MiB...");
        var warmUpBytes = Math.Min(bytes, WarmUpMib * 1024L * 1024);
        await RoundAsync(raw, shroud, cpu, "warmup", warmUpBytes, Sha256Of(warmUpBytes), ct);

        Console.Error.WriteLine("Components (no I/O)...");
        var components = MeasureComponents(bytes, out var expected);

        var results = Scenarios.ToDictionary(s => s, _ => new List<Transfer>());
        for (var round = 1; round <= Rounds; round++)
        {
            Console.Error.WriteLine($"Round {round} of {Rounds}...");
            foreach (var transfer in await RoundAsync(raw, shroud, cpu, $"round{round}", bytes, expected, ct))
            {
                results[transfer.Scenario].Add(transfer);
            }
        }

        Console.Error.WriteLine($"Non-2xx responses from Shroud: {shroud.Non2xx}");
        Report(mib, results, components, cpu.SeesAzurite);
    }

    /// <summary>One round: every scenario once, in order, each timed and sampled on its own; checks every byte count and hash.</summary>
    private static async Task<List<Transfer>> RoundAsync(RawBlob raw, ShroudService shroud, CpuMeter cpu, string name, long bytes, byte[] expected, CancellationToken ct)
    {
        var transfers = new List<Transfer>();
        var blobName = $"{name}.bin";
        string? reference = null;

        void Check(string scenario, long length, byte[] sha256)
        {
            if (length != bytes || !CryptographicOperations.FixedTimeEquals(sha256, expected))
            {
                throw new BenchmarkFailure($"{scenario} ({name}): {length:N0} bytes with SHA-256 {Convert.ToHexString(sha256)[..16]}..., "
                    + $"expected {bytes:N0} bytes with {Convert.ToHexString(expected)[..16]}....");
            }
        }

        async Task MeasureAsync(string scenario, Func<Task> transfer)
        {
            using var sampler = MemorySampler.Start();
            var cpuBefore = cpu.Read();
            var began = Stopwatch.GetTimestamp();
            await transfer();
            var elapsed = Stopwatch.GetElapsedTime(began);
            var cpuAfter = cpu.Read();
            var memory = sampler.Stop();
            transfers.Add(new Transfer(scenario, bytes, elapsed, cpuAfter.Self - cpuBefore.Self, cpuAfter.Azurite - cpuBefore.Azurite, memory));
        }

        await MeasureAsync(RawUpload, async () =>
        {
            using var content = new PseudoRandomStream(Seed, bytes);
            var length = await raw.UploadAsync(blobName, content, ct);
            Check(RawUpload, length, content.Sha256());
        });
        await MeasureAsync(HopIn, async () =>
        {
            using var content = new PseudoRandomStream(Seed, bytes);
            var length = await shroud.HopInAsync(content, ct);
            Check(HopIn, length, content.Sha256());
        });
        await MeasureAsync(ShroudUpload, async () =>
        {
            using var content = new PseudoRandomStream(Seed, bytes);
            (reference, var size) = await shroud.UploadMediaAsync(content, ct);
            Check(ShroudUpload, size, content.Sha256());
        });
        await MeasureAsync(RawDownload, async () =>
        {
            var (length, sha256) = await raw.DownloadAsync(blobName, ct);
            Check(RawDownload, length, sha256);
        });
        await MeasureAsync(HopOut, async () =>
        {
            var (length, sha256) = await shroud.HopOutAsync(Seed, bytes, ct);
            Check(HopOut, length, sha256);
        });
        await MeasureAsync(ShroudReveal, async () =>
        {
            var (length, sha256) = await shroud.RevealMediaAsync(reference!, ct);
            Check(ShroudReveal, length, sha256);
        });

        // Keeps Azurite's memory to the Shroud blobs; the raw blob is not needed again.
        await raw.DeleteAsync(blobName, ct);
        return transfers;
    }

    /// <summary>Single-threaded rates of the CPU work on the paths, without I/O, in MB/s; also the expected SHA-256 of the file.</summary>
    private static Components MeasureComponents(long bytes, out byte[] expected)
    {
        // The first pass gives the expected hash and lets the generator's code reach its optimized tier; the second is timed.
        expected = Sha256Of(bytes);
        var began = Stopwatch.GetTimestamp();
        if (!Sha256Of(bytes).AsSpan().SequenceEqual(expected))
        {
            throw new BenchmarkFailure("the generator made other bytes on its second pass.");
        }

        var generate = Rate(bytes, began);

        var dek = RandomNumberGenerator.GetBytes(32);
        var aad = new byte[64];
        began = Stopwatch.GetTimestamp();
        var encrypted = SegmentedAead.EncryptAsync(new UntouchedStream(bytes), dek, aad, SegmentedAead.MaxPlaintextLength(), (_, _) => ValueTask.CompletedTask, CancellationToken.None)
            .GetAwaiter().GetResult();
        var encrypt = Rate(encrypted, began);

        // One 4 MiB ciphertext, opened over and over: decrypting needs real ciphertext, and the file is never held whole.
        var sampleBytes = Math.Min(bytes, MediaContainer.BlockSize);
        using var ciphertext = new MemoryStream();
        SegmentedAead.EncryptAsync(new UntouchedStream(sampleBytes), dek, aad, SegmentedAead.MaxPlaintextLength(), (chunk, _) => { ciphertext.Write(chunk.Span); return ValueTask.CompletedTask; }, CancellationToken.None)
            .GetAwaiter().GetResult();
        var sealedBytes = ciphertext.ToArray();
        long decrypted = 0;
        began = Stopwatch.GetTimestamp();
        while (decrypted < bytes)
        {
            SegmentedAead.DecryptAsync(new MemoryStream(sealedBytes, writable: false), dek, aad, (_, _) => ValueTask.CompletedTask, CancellationToken.None)
                .GetAwaiter().GetResult();
            decrypted += sampleBytes;
        }

        return new Components(generate, encrypt, Rate(decrypted, began));
    }

    private static byte[] Sha256Of(long bytes)
    {
        using var stream = new PseudoRandomStream(Seed, bytes);
        var buffer = new byte[64 * 1024];
        while (stream.Read(buffer) > 0)
        {
        }

        return stream.Sha256();
    }

    private static double Rate(long bytes, long began) => bytes / Stopwatch.GetElapsedTime(began).TotalSeconds / 1e6;

    private static void Report(int mib, Dictionary<string, List<Transfer>> results, Components components, bool azuriteCpu)
    {
        double Median(string scenario) => MedianOf(results[scenario].Select(t => t.MegabytesPerSecond));
        double MsPerMib(double megabytesPerSecond) => Mib / 1e6 / megabytesPerSecond * 1000;
        static string MiB(long value) => (value / Mib).ToString("F1", CultureInfo.InvariantCulture);

        Console.WriteLine();
        var roundHeaders = string.Concat(Enumerable.Range(1, Rounds).Select(r => $" {"round " + r,8}"));
        Console.WriteLine($"{"MB/s",-14}{roundHeaders} {"median",8} {"ms/MiB",7} {"cpu ms/MiB: .NET",17} {"Azurite",8}");
        foreach (var scenario in Scenarios)
        {
            var transfers = results[scenario];
            var rounds = string.Concat(transfers.Select(t => Invariant($" {t.MegabytesPerSecond,8:F1}")));
            var selfCpu = MedianOf(transfers.Select(t => t.SelfCpu.TotalMilliseconds / (t.Bytes / Mib)));
            var azurite = azuriteCpu ? MedianOf(transfers.Select(t => t.AzuriteCpu.TotalMilliseconds / (t.Bytes / Mib))).ToString("F1", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine(Invariant($"{scenario,-14}{rounds} {Median(scenario),8:F1} {MsPerMib(Median(scenario)),7:F1} {selfCpu,17:F1} {azurite,8}"));
        }

        Console.WriteLine("(http hop in/out: the same streamed HTTP transfer to and from Kestrel in this process, without Shroud or storage, for comparison.");
        Console.WriteLine(" cpu ms/MiB: CPU time of this process, i.e. load generator + HttpClient + Kestrel + Shroud + storage client, and of Azurite; medians.)");

        Console.WriteLine();
        Console.WriteLine("Memory: peak growth over a baseline taken just before each transfer (after a full GC), sampled every 5 ms on a dedicated thread;");
        Console.WriteLine("the load generator (generator stream, HttpClient, hashing) shares the process, so every figure includes it. Largest of the rounds, MiB.");
        Console.WriteLine($"{"MiB",-14} {"working set",11} {"peak RSS",9} {"GC heap",8} {"heap at GC",10} {"alloc KiB/MiB",14} {"GCs 0/1/2",10}");
        foreach (var scenario in Scenarios)
        {
            var transfers = results[scenario];
            var allocated = MedianOf(transfers.Select(t => t.Memory.Allocated / 1024.0 / (t.Bytes / Mib)));
            var gcs = $"{transfers.Max(t => t.Memory.Gen0)}/{transfers.Max(t => t.Memory.Gen1)}/{transfers.Max(t => t.Memory.Gen2)}";
            Console.WriteLine(
                $"{scenario,-14} {MiB(transfers.Max(t => t.Memory.WorkingSetGrowth)),11} {MiB(transfers.Max(t => t.Memory.KernelPeakRssGrowth)),9} "
                + $"{MiB(transfers.Max(t => t.Memory.GcHeapGrowth)),8} {MiB(transfers.Max(t => t.Memory.GcHeapAfterGcGrowth)),10} "
                + Invariant($"{allocated,14:F1} {gcs,10}"));
        }

        Console.WriteLine("(working set: Process.WorkingSet64 sampled; peak RSS: the kernel's exact VmHWM (Linux, 0 if unreadable); GC heap: GC.GetTotalMemory(false);");
        Console.WriteLine(" heap at GC: GCMemoryInfo.HeapSizeBytes, the heap size after the latest GC; alloc: GC.GetTotalAllocatedBytes, the sampler's own excluded, median;");
        Console.WriteLine(" GCs: collections during one transfer, largest of the rounds.)");

        Console.WriteLine();
        Console.WriteLine(Invariant($"Components, single thread, no I/O (MB/s): generator + SHA-256 {components.Generate:F0}; segmented AES-GCM encrypt {components.Encrypt:F0}; decrypt {components.Decrypt:F0}."));
        var generate = MsPerMib(components.Generate);
        var uploadModel = MsPerMib(Median(HopIn)) + MsPerMib(Median(RawUpload)) - generate + MsPerMib(components.Encrypt);
        var revealModel = MsPerMib(Median(HopOut)) + MsPerMib(Median(RawDownload)) - generate + MsPerMib(components.Decrypt);
        Console.WriteLine(Invariant($"Serial sums (rough; exact only if nothing overlaps), ms/MiB: hop in + raw upload + encrypt - generator = {uploadModel:F1} vs Shroud upload {MsPerMib(Median(ShroudUpload)):F1};"));
        Console.WriteLine(Invariant($"  hop out + raw download + decrypt - generator = {revealModel:F1} vs Shroud reveal {MsPerMib(Median(ShroudReveal)):F1}."));

        var ratio = Median(ShroudUpload) / Median(RawUpload);
        var uploadMemory = results[ShroudUpload].Max(t => t.Memory.Growth);
        var revealMemory = results[ShroudReveal].Max(t => t.Memory.Growth);
        Console.WriteLine();
        Console.WriteLine(Invariant($"Shroud upload / raw upload (median MB/s): {ratio:F2}   Shroud reveal: {Median(ShroudReveal):F1} MB/s   raw download: {Median(RawDownload):F1} MB/s"));
        Console.WriteLine(Invariant($"target: Shroud upload / raw upload >= {ThroughputTarget:F2}: {Verdict(ratio >= ThroughputTarget)} ({ratio:F2}) (informational)"));
        Console.WriteLine(Invariant($"target: peak memory growth < {MemoryTargetBytes / Mib:F0} MiB while {mib} MiB goes in (upload): {Verdict(uploadMemory < MemoryTargetBytes)} ({MiB(uploadMemory)} MiB) (informational)"));
        Console.WriteLine(Invariant($"target: peak memory growth < {MemoryTargetBytes / Mib:F0} MiB while {mib} MiB comes out (reveal): {Verdict(revealMemory < MemoryTargetBytes)} ({MiB(revealMemory)} MiB) (informational)"));
        Console.WriteLine("(memory verdicts: the largest of working set, peak RSS and GC heap growth, largest of the rounds, load generator included.)");
    }

    private static string Verdict(bool met) => met ? "MET" : "NOT MET";

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A stream of <paramref name="length"/> bytes that leaves the reader's buffer as it is: input for measuring encryption alone.</summary>
    private sealed class UntouchedStream(long length) : Stream
    {
        private long remaining = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var take = (int)Math.Min(buffer.Length, remaining);
            remaining -= take;
            return take;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>One timed transfer of one scenario.</summary>
internal sealed record Transfer(string Scenario, long Bytes, TimeSpan Elapsed, TimeSpan SelfCpu, TimeSpan AzuriteCpu, MemoryFigures Memory)
{
    public double MegabytesPerSecond => Bytes / Elapsed.TotalSeconds / 1e6;
}

/// <summary>Single-threaded MB/s of the CPU work alone: making and hashing the input, and sealing and opening it.</summary>
internal sealed record Components(double Generate, double Encrypt, double Decrypt);
