using System.Diagnostics;
using System.Reflection;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>The Bicep CLI: restored with this project from the Azure.Bicep.CommandLine.linux-x64 package, else a <c>bicep</c> on PATH.</summary>
internal static class BicepCli
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Path of the executable, or null when this machine has none.</summary>
    public static string? Executable { get; } = FromPackage() ?? FromPath();

    public static string SkipReason =>
        "No Bicep CLI: the Azure.Bicep.CommandLine.linux-x64 package restores on Linux x64 only; elsewhere put bicep on PATH to run the Bicep tests.";

    /// <summary>Runs one command and returns its exit code and output; the environment is the test process's plus <paramref name="environment"/>.</summary>
    public static async Task<BicepRun> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(SkipReason))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran longer than {CommandTimeout}.");
        }

        return new BicepRun($"bicep {string.Join(' ', arguments)}", process.ExitCode, await output, await error);
    }

    private static string? FromPackage()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "Shroud.BicepCli")?.Value;
        // The package serves Linux x64 only, so the path is set only where restore ran on Linux.
        if (path is null || !File.Exists(path) || !OperatingSystem.IsLinux())
        {
            return null;
        }

        // NuGet does not promise to keep a file's mode when it extracts a package.
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & executable) != executable)
        {
            File.SetUnixFileMode(path, mode | executable);
        }

        return path;
    }

    private static string? FromPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => new[] { Path.Combine(folder, "bicep"), Path.Combine(folder, "bicep.exe") })
            .FirstOrDefault(File.Exists);
}

/// <summary>What one Bicep command returned.</summary>
public sealed record BicepRun(string Command, int ExitCode, string Output, string Error)
{
    /// <summary>This run, or an exception with what Bicep printed when the command failed.</summary>
    public BicepRun EnsureSucceeded() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"{Command} exited {ExitCode}:\n{Error}");
}
