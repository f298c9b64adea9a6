using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shroud.Api;
using Shroud.Core.Crypto;
using Shroud.Host;
using Shroud.IntegrationTests.Deployment;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Host;

/// <summary>The compiled local host started as a process outside Development, as an operator starts it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostProcessTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_port_in_use_ends_the_host_with_one_line_naming_the_port()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var run = await RunAsync(Settings(), port);

        AssertRefused(run, $"port {port}");
        Assert.Contains("already in use", run.Stderr);
    }

    [Theory]
    [InlineData("Shroud__BootstrapAdminKey", "Shroud__BootstrapAdminKey")]
    [InlineData("RootKeys__Keys__test", "RootKeys__Keys__<id>")]
    [InlineData("RootKeys__ActiveKeyId", "RootKeys__ActiveKeyId")]
    [InlineData("Storage__ConnectionString", "Storage__ConnectionString")]
    public async Task A_missing_setting_ends_the_host_with_one_line_naming_it(string missing, string named)
    {
        var settings = Settings();
        settings.Remove(missing);

        AssertRefused(await RunAsync(settings, FreePort()), named);
    }

    [Theory]
    [InlineData("Shroud__BootstrapAdminKey", PublishedDevelopmentKeys.BootstrapAdminKey)]
    [InlineData("RootKeys__Keys__test", PublishedDevelopmentKeys.RootKey)]
    public async Task Outside_development_the_host_refuses_the_development_keys_the_repository_publishes(string setting, string publishedValue)
    {
        var settings = Settings();
        settings[setting] = publishedValue;

        AssertRefused(await RunAsync(settings, FreePort()), setting);
    }

    [Fact]
    public void The_refused_development_keys_are_the_ones_the_repository_publishes()
    {
        using var appsettings = JsonDocument.Parse(RepositoryFiles.Read("src/Shroud.Host/appsettings.Development.json"));
        using var sample = JsonDocument.Parse(RepositoryFiles.Read("local.settings.sample.json"));
        var values = sample.RootElement.GetProperty("Values");

        Assert.Equal(PublishedDevelopmentKeys.BootstrapAdminKey, appsettings.RootElement.GetProperty("Shroud").GetProperty("BootstrapAdminKey").GetString());
        Assert.Equal(PublishedDevelopmentKeys.BootstrapAdminKey, values.GetProperty("Shroud__BootstrapAdminKey").GetString());
        Assert.All(appsettings.RootElement.GetProperty("RootKeys").GetProperty("Keys").EnumerateObject(), k => Assert.Equal(PublishedDevelopmentKeys.RootKey, k.Value.GetString()));
        Assert.All(values.EnumerateObject().Where(v => v.Name.StartsWith("RootKeys__Keys__", StringComparison.Ordinal)), k => Assert.Equal(PublishedDevelopmentKeys.RootKey, k.Value.GetString()));
    }

    [Fact]
    public async Task With_its_settings_the_host_starts_and_answers_on_its_port()
    {
        var port = FreePort();
        using var process = Start(Settings(), port);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + ExitTimeout;
            HttpStatusCode? status = null;
            while (status is null && !process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    status = (await http.GetAsync("/api/health")).StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }

            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static void AssertRefused(Run run, string named)
    {
        var output = run.Stdout + run.Stderr;
        Assert.True(run.ExitCode == HostRun.StartRefusedExitCode, $"exit code {run.ExitCode}; output: {output}");
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Shroud cannot start: ", line);
        Assert.Contains(named, line);
        Assert.DoesNotMatch(@"\n\s+at ", output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("BackgroundService", output);
        Assert.DoesNotContain("fail:", output);
        Assert.DoesNotContain("crit:", output);
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["Storage__ConnectionString"] = azurite.ConnectionString,
        ["Storage__TablePrefix"] = azurite.UniqueName("proc"),
        ["Shroud__BootstrapAdminKey"] = ShroudFactory.BootstrapKey,
        ["RootKeys__ActiveKeyId"] = "test",
        ["RootKeys__Keys__test"] = Convert.ToBase64String(Aead.NewKey()),
        ["Maintenance__Schedule"] = "0 0 0 29 2 *",
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts <c>dotnet Shroud.Host.dll</c> from the test's output folder in the Production environment, with exactly the
    /// given settings: nothing the test process inherited (ASPNETCORE_URLS, environment names, settings) reaches it.
    /// </summary>
    private static Process Start(IReadOnlyDictionary<string, string> settings, int port)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Shroud.Host.dll"));
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var name in startInfo.Environment.Keys.ToList())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
                || new[] { "Storage__", "Shroud__", "RootKeys__", "Maintenance__" }.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                startInfo.Environment.Remove(name);
            }
        }

        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in settings)
        {
            startInfo.Environment[name] = value;
        }

        return Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private static async Task<Run> RunAsync(IReadOnlyDictionary<string, string> settings, int port)
    {
        using var process = Start(settings, port);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The host did not exit within {ExitTimeout}: {await stdout}{await stderr}");
        }

        return new Run(process.ExitCode, await stdout, await stderr);
    }
}
