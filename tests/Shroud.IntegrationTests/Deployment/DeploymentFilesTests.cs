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
    public void Host_json_never_logs_request_bodies()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));
        var levels = host.RootElement.GetProperty("logging").GetProperty("logLevel").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

        // Debug and Trace are where libraries write payloads; ASP.NET Core's HTTP logging is the one component that writes bodies.
        Assert.DoesNotContain(levels, l => l.Value is "Debug" or "Trace");
        Assert.Equal("None", levels["Microsoft.AspNetCore.HttpLogging"]);
    }

    [Fact]
    public void The_functions_project_ships_the_root_host_json_and_never_publishes_local_settings()
    {
        var project = RepositoryFiles.Read("src/Shroud.Functions/Shroud.Functions.csproj");

        Assert.Contains("""<None Include="..\..\host.json" Link="host.json" CopyToOutputDirectory="PreserveNewest" />""", project);
        Assert.Matches("""<None Include="..\\..\\local\.settings\.json"[^>]*CopyToPublishDirectory="Never"[^>]*/>""", project);
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", RepositoryFiles.Read("Directory.Build.props"));
    }

    [Fact]
    public void Local_settings_json_is_ignored_by_git()
    {
        Assert.Contains(LocalSettingsFile.FileName, RepositoryFiles.Read(".gitignore").Split('\n').Select(l => l.Trim()));
    }
}
