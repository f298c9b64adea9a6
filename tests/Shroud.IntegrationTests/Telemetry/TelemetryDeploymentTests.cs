using System.Text.Json;
using System.Text.RegularExpressions;
using Shroud.Api;
using Shroud.IntegrationTests.Deployment;

namespace Shroud.IntegrationTests.Telemetry;

/// <summary>In Azure both the Functions host and the worker export to the Application Insights resource the Bicep creates.</summary>
public sealed class TelemetryDeploymentTests(CompiledInfrastructure infrastructure) : IClassFixture<CompiledInfrastructure>
{
    [Fact]
    public void The_functions_host_exports_through_opentelemetry_like_the_worker()
    {
        using var host = JsonDocument.Parse(RepositoryFiles.Read("host.json"));

        // In this mode the host samples nothing, and its applicationInsights settings no longer apply.
        Assert.Equal("OpenTelemetry", host.RootElement.GetProperty("telemetryMode").GetString());
        Assert.False(host.RootElement.GetProperty("logging").TryGetProperty("applicationInsights", out _));
    }

    [BicepFact]
    public void The_function_app_gets_the_application_insights_connection_string()
    {
        // What the compiled deployment sets, not how the template spells it.
        var setting = infrastructure.AppSettings[ShroudTelemetry.AzureMonitorSetting];
        var component = infrastructure.Single("Microsoft.Insights/components")["name"]!.GetValue<string>();

        var reference = Regex.Match(setting, @"^\[reference\('(?<id>[^']+)', '[^']+'\)\.ConnectionString\]$");

        Assert.True(reference.Success, setting);
        Assert.EndsWith($"/providers/Microsoft.Insights/components/{component}", reference.Groups["id"].Value, StringComparison.OrdinalIgnoreCase);
    }
}
