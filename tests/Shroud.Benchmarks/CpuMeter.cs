using System.Diagnostics;
using System.Globalization;

namespace Shroud.Benchmarks;

/// <summary>
/// CPU time used by this process (client, Kestrel, Shroud and its storage client) and by the Azurite child process, and
/// the bytes this process allocated. CPU per operation moves less than throughput when other tenants load the machine,
/// though it moves too (caches and cores are shared); allocations do not move. Azurite's share needs Linux /proc.
/// </summary>
internal sealed class CpuMeter
{
    private readonly int? azurite = FindChild("node");

    /// <summary>Whether Azurite's CPU time can be read.</summary>
    public bool SeesAzurite => azurite is not null;

    public CpuReading Read()
    {
        using var self = Process.GetCurrentProcess();
        return new(self.TotalProcessorTime, azurite is { } pid ? ReadProc(pid) ?? TimeSpan.Zero : TimeSpan.Zero, GC.GetTotalAllocatedBytes());
    }

    // /proc/<pid>/stat: "pid (comm) state ppid ..." with utime and stime, in clock ticks (USER_HZ = 100), at fields 14 and 15.
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return [.. stat[..(stat.IndexOf('(') - 1)].Split(' '), stat[(stat.IndexOf('(') + 1)..close], .. stat[(close + 2)..].Split(' ')];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static TimeSpan? ReadProc(int pid) =>
        Fields(pid) is { } f ? TimeSpan.FromMilliseconds((long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture)) * 10) : null;

    private static int? FindChild(string command)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Fields(pid) is { } f && f[1] == command && f[3] == Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
            {
                return pid;
            }
        }

        return null;
    }
}

/// <summary>CPU time of this process and of Azurite, and the bytes this process allocated, so far (or between two readings).</summary>
internal readonly record struct CpuReading(TimeSpan Self, TimeSpan Azurite, long Allocated)
{
    public static CpuReading operator -(CpuReading after, CpuReading before) =>
        new(after.Self - before.Self, after.Azurite - before.Azurite, after.Allocated - before.Allocated);
}
