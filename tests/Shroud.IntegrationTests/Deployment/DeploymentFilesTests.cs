using System.Text.Json;
using Shroud.Api;
using Shroud.Host;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>host.json and the Functions project file, checked without the tools that consume them (<see cref="CompiledInfrastructureTests"/> checks the Bicep templates with Bicep).</summary>
public sealed class DeploymentFilesTests
{
    [Fact]
    public void Host_json_is_version_2_with_the_api_route_prefix()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));

        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.Equal(Routes.Prefix, host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void Host_json_gives_the_maintenance_job_at_least_ten_minutes()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));

        var timeout = TimeSpan.Parse(host.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(timeout >= TimeSpan.FromMinutes(10), $"functionTimeout {timeout} is short for a sweep of many expired records.");
    }

    [Fact]
    public void Host_json_reads_base64_queue_messages_polls_an_idle_queue_often_and_retries_a_failed_one_for_minutes_before_the_poison_queue()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");
        TimeSpan Time(string name) => TimeSpan.Parse(queues.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        // What the ingress writes: the extension's default, stated so that neither side changes it alone.
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        // A chat delivery waits at most this long after an idle spell (the extension's default backs off to a minute).
        Assert.InRange(Time("maxPollingInterval"), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        // The consumer throws only on transient failures: the retries of one message outlast a short storage outage.
        var attempts = queues.GetProperty("maxDequeueCount").GetInt32();
        Assert.True(Time("visibilityTimeout") * (attempts - 1) >= TimeSpan.FromMinutes(3), $"{attempts} attempts {Time("visibilityTimeout")} apart give up too soon.");
    }

    [Fact]
    public void Host_json_never_logs_request_bodies()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));
        var levels = host.RootElement.GetProperty("logging").GetProperty("logLevel").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

        // Debug and Trace are where libraries write payloads; ASP.NET Core's HTTP logging is the one component that writes bodies.
        Assert.DoesNotContain(levels, l => l.Value is "Debug" or "Trace");
        Assert.Equal("None", levels["Microsoft.AspNetCore.HttpLogging"]);
    }

    [Fact]
    public async Task The_functions_project_ships_the_root_host_json_and_never_publishes_local_settings()
    {
        // MSBuild evaluates the project as the build would, in a copy of the repository's layout that has a
        // local.settings.json (the real one is git-ignored and usually absent).
        var copy = Directory.CreateTempSubdirectory("shroud-functions-project-").FullName;
        try
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "host.json", "src/Shroud.Functions/Shroud.Functions.csproj" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, file))!);
                File.Copy(RepositoryFiles.Path(file), Path.Combine(copy, file));
            }

            await File.WriteAllTextAsync(Path.Combine(copy, LocalSettingsFile.FileName), "{}");
            using var evaluated = JsonDocument.Parse(await EvaluateAsync(Path.Combine(copy, "src", "Shroud.Functions", "Shroud.Functions.csproj")));
            var items = evaluated.RootElement.GetProperty("Items").GetProperty("None").EnumerateArray()
                .ToDictionary(i => i.GetProperty("FullPath").GetString()!, i => i);

            var hostJson = items[Path.Combine(copy, "host.json")];
            Assert.Equal("host.json", hostJson.GetProperty("Link").GetString());
            Assert.Equal("PreserveNewest", hostJson.GetProperty("CopyToOutputDirectory").GetString());
            var localSettings = items[Path.Combine(copy, LocalSettingsFile.FileName)];
            Assert.Equal("Never", localSettings.GetProperty("CopyToPublishDirectory").GetString());
            Assert.Equal("net10.0", evaluated.RootElement.GetProperty("Properties").GetProperty("TargetFramework").GetString());
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task<string> EvaluateAsync(string project)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["msbuild", project, "-getItem:None", "-getProperty:TargetFramework"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var msbuild = System.Diagnostics.Process.Start(start)!;
        var output = msbuild.StandardOutput.ReadToEndAsync();
        var errors = msbuild.StandardError.ReadToEndAsync();
        await msbuild.WaitForExitAsync();
        Assert.True(msbuild.ExitCode == 0, await output + await errors);
        return await output;
    }

    [Fact]
    public void Local_settings_json_is_ignored_by_git()
    {
        Assert.Contains(LocalSettingsFile.FileName, RepositoryFiles.Read(".gitignore").Split('\n').Select(l => l.Trim()));
    }
}
