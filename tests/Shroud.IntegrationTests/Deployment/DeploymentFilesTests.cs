using System.Text.Json;
using System.Text.RegularExpressions;
using Shroud.Api;
using Shroud.Host;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>host.json, the Functions project file and the Bicep parameters, checked without the tools that consume them.</summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string[] BicepFiles = [.. RepositoryFiles.Under("infra-bicep", "*.bicep")];

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

    [Fact]
    public void Media_has_its_container_and_a_lifecycle_backstop_of_the_maximum_ttl_plus_a_day()
    {
        var storage = RepositoryFiles.Read("infra-bicep/modules/storage.bicep");
        var main = RepositoryFiles.Read("infra-bicep/main.bicep");

        // The container name the service uses (ShroudStorage: lower-cased prefix + "media").
        Assert.Contains("mediaContainerName: '${toLower(tablePrefix)}media'", main);
        Assert.Contains("resource mediaContainer 'containers'", storage);
        Assert.Matches(@"prefixMatch: \[\s*'\$\{mediaContainerName\}/'\s*\]", storage);
        Assert.Contains("daysAfterModificationGreaterThan: mediaBackstopDays", storage);
        Assert.Contains("mediaBackstopDays: int(split(maxTtl, '.')[0]) + (endsWith(maxTtl, '.00:00:00') ? 1 : 2)", main);
    }

    [Fact]
    public void Every_bicep_parameter_has_a_description()
    {
        var undocumented = BicepFiles
            .SelectMany(file => ParameterWithDecorators().Matches(File.ReadAllText(file))
                .Where(m => !m.Groups["decorators"].Value.Contains("@description(", StringComparison.Ordinal))
                .Select(m => $"{System.IO.Path.GetFileName(file)}: {m.Groups["name"].Value}"))
            .ToList();

        Assert.NotEmpty(BicepFiles);
        Assert.Empty(undocumented);
    }

    [Fact]
    public void Role_assignments_are_named_from_scope_principal_and_role()
    {
        var text = string.Join('\n', BicepFiles.Select(File.ReadAllText));
        var assignments = RoleAssignment().Matches(text);

        Assert.Equal(2, assignments.Count);
        Assert.All(assignments, m => Assert.Matches(@"^\s*name: guid\(\w+\.id, principalId, [\w.]+\)", m.Groups["body"].Value));
    }

    [GeneratedRegex(@"(?<decorators>(?:^(?:@|[ \t]|\]|\))[^\n]*\n)*)^param (?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex ParameterWithDecorators();

    [GeneratedRegex(@"resource \w+ 'Microsoft\.Authorization/roleAssignments@[^']+' = (?:\[\s*for [^:]+:\s*)?\{(?<body>[^\n]*\n[^\n]*)", RegexOptions.Multiline)]
    private static partial Regex RoleAssignment();
}
