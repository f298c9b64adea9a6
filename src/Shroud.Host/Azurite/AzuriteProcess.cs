using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Shroud.Host.Azurite;

/// <summary>Ports and persistence for a local Azurite: in memory, or on disk under <paramref name="Location"/> (relative to the repository root).</summary>
public sealed record AzuriteStartOptions(int BlobPort, int QueuePort, int TablePort, bool InMemory, string? Location = null);

/// <summary>A local Azurite (npm package pinned in the repository's package.json) bound to 127.0.0.1; disposing it kills the process tree.</summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    /// <summary>Account name of the storage emulator.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Well-known, public account key of the storage emulator.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string EntryPoint = "node_modules/azurite/dist/src/azurite.js";

    /// <summary>Written once npm ci has finished; npm ci removes node_modules first, so a new install removes it too.</summary>
    private const string InstalledMarker = "node_modules/.shroud-npm-ci-finished";
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;
    private readonly bool _persistent;
    private readonly Lazy<Task> _disposal;

    private AzuriteProcess(Process process, AzuriteStartOptions options)
    {
        _process = process;
        _persistent = !options.InMemory;
        _disposal = new Lazy<Task>(StopAsync);
        BlobPort = options.BlobPort;
        QueuePort = options.QueuePort;
        TablePort = options.TablePort;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";
    }

    /// <summary>The blob service port.</summary>
    public int BlobPort { get; }

    /// <summary>The queue service port.</summary>
    public int QueuePort { get; }

    /// <summary>The table service port.</summary>
    public int TablePort { get; }

    /// <summary>A SharedKey connection string for the well-known development account on these ports.</summary>
    public string ConnectionString { get; }

    /// <summary>Installs Azurite with npm ci if needed, starts it and waits until the blob, queue and table services listen.</summary>
    /// <exception cref="InvalidOperationException">Installation or start failed; the message holds Azurite's output.</exception>
    public static async Task<AzuriteProcess> StartAsync(AzuriteStartOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InMemory == (options.Location is not null))
        {
            throw new ArgumentException("Set either InMemory or Location.", nameof(options));
        }

        var root = FindRepositoryRoot();
        await EnsureInstalledAsync(root, ct).ConfigureAwait(false);

        // A relative location is kept under the repository root, wherever the host was started from.
        var workingDirectory = options.Location is null ? Path.GetTempPath() : Directory.CreateDirectory(Path.Combine(root, options.Location)).FullName;
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(root, EntryPoint));
        foreach (var (service, port) in new[] { ("blob", options.BlobPort), ("queue", options.QueuePort), ("table", options.TablePort) })
        {
            startInfo.ArgumentList.Add($"--{service}Host");
            startInfo.ArgumentList.Add("127.0.0.1");
            startInfo.ArgumentList.Add($"--{service}Port");
            startInfo.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        startInfo.ArgumentList.Add(options.InMemory ? "--inMemoryPersistence" : "--location");
        if (!options.InMemory)
        {
            startInfo.ArgumentList.Add(workingDirectory);
        }

        foreach (var flag in new[] { "--disableTelemetry", "--skipApiVersionCheck", "--silent" })
        {
            startInfo.ArgumentList.Add(flag);
        }

        var output = new StringBuilder();
        bool blobListening = false, queueListening = false, tableListening = false;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("Azurite exited during start."));
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var azurite = new AzuriteProcess(process, options);
        try
        {
            await ready.Task.WaitAsync(StartTimeout, ct).ConfigureAwait(false);
            return azurite;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException)
            {
                throw;
            }

            lock (output)
            {
                throw new InvalidOperationException($"Azurite did not start ({e.Message}). Output:\n{output}", e);
            }
        }

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
                blobListening |= line.Contains("Blob service is successfully", StringComparison.Ordinal);
                queueListening |= line.Contains("Queue service is successfully", StringComparison.Ordinal);
                tableListening |= line.Contains("Table service is successfully", StringComparison.Ordinal);
                if (blobListening && queueListening && tableListening)
                {
                    ready.TrySetResult();
                }
            }
        }
    }

    /// <summary>Kills the process tree and waits for it to exit; with disk persistence on Unix, SIGTERM first so Azurite saves its last writes (it autosaves every 5 s).</summary>
    /// <remarks>Concurrent and repeated calls share one stop: a <see cref="Process"/> must not be closed by two threads at once.</remarks>
    public ValueTask DisposeAsync() => new(_disposal.Value);

    private async Task StopAsync()
    {
        try
        {
            if (_persistent && !OperatingSystem.IsWindows() && !_process.HasExited && Kill(_process.Id, SigTerm) == 0)
            {
                using var grace = new CancellationTokenSource(GracefulStopTimeout);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Still running after the grace period: killed below.
                }
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The process was never started or is already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/> (one-second timeout).</summary>
    public static async Task<bool> IsListeningAsync(int port, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (ListsAzurite(Path.Combine(directory.FullName, "package.json")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("No package.json listing azurite was found above the application or working directory.");
    }

    private static bool ListsAzurite(string packageJson)
    {
        if (!File.Exists(packageJson))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(packageJson));
            return new[] { "dependencies", "devDependencies" }.Any(section =>
                document.RootElement.TryGetProperty(section, out var dependencies) && dependencies.TryGetProperty("azurite", out _));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs npm ci when Azurite is not installed, holding an exclusive lock file so concurrent test runs install once.
    /// Installed means npm ci finished (<see cref="InstalledMarker"/>), not that Azurite's entry point exists: npm writes
    /// that file long before the rest, and a process that started Azurite then found modules missing.
    /// </summary>
    private static async Task EnsureInstalledAsync(string root, CancellationToken ct)
    {
        var installed = Path.Combine(root, InstalledMarker);
        if (File.Exists(installed))
        {
            return;
        }

        var lockName = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..16];
        var lockPath = Path.Combine(Path.GetTempPath(), $"shroud-npm-ci-{lockName}.lock");
        await using var installLock = await AcquireLockAsync(lockPath, ct).ConfigureAwait(false);
        if (File.Exists(installed))
        {
            return;
        }

        var startInfo = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var npm = Process.Start(startInfo) ?? throw new InvalidOperationException("npm could not be started.");
        var stdout = npm.StandardOutput.ReadToEndAsync(ct);
        var stderr = npm.StandardError.ReadToEndAsync(ct);
        try
        {
            await npm.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw;
        }

        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed with exit code {npm.ExitCode}:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }

        await File.WriteAllTextAsync(installed, "npm ci finished\n", ct).ConfigureAwait(false);
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            }
        }
    }
}
