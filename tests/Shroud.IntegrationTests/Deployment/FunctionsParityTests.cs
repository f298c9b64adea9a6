using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NCrontab;
using Shroud.Core;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Functions;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>
/// The Functions app and the local host serve the same API and run the job on the same setting, judged by the function
/// metadata the compiled worker reports to the Functions host.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsParityTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>, IAsyncLifetime
{
    private FunctionsHost host = null!;

    private IEnumerable<WorkerFunction> HttpFunctions => host.Functions.Where(f => f.TriggerType == "httpTrigger");

    public async Task InitializeAsync() => host = await worker.StartAsync(azurite);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_local_host_endpoint_is_a_function_with_the_same_method_and_route_and_every_function_is_a_local_host_endpoint()
    {
        await using var factory = new ShroudFactory(azurite);
        var local = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet();
        var functions = HttpFunctions
            .SelectMany(f => f.Methods.Select(method => $"{method} /{host.PrefixedRoute(f)}"))
            .ToHashSet();

        Assert.NotEmpty(local);
        Assert.True(local.SetEquals(functions),
            $"Only in the local host: {string.Join(", ", local.Except(functions).Order())}. " +
            $"Only in the Functions app: {string.Join(", ", functions.Except(local).Order())}.");
    }

    [Fact]
    public void Each_route_and_method_is_one_function_that_leaves_authorization_to_shroud()
    {
        Assert.All(HttpFunctions, f => Assert.Equal("Anonymous", (string?)f.Trigger["authLevel"]));
        var duplicates = HttpFunctions.SelectMany(f => f.Methods.Select(m => $"{m} /{f.Route}")).GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
        Assert.Equal(host.Functions.Count, host.Functions.Select(f => f.Name).Distinct().Count());
    }

    [Fact]
    public void The_only_other_functions_are_the_two_timers_and_the_delivery_queue_trigger()
    {
        var others = host.Functions.Where(f => f.TriggerType != "httpTrigger").ToList();

        Assert.Equal(
            ["%Maintenance:Schedule%", "%Maintenance:SweepSchedule%"],
            others.Where(f => f.TriggerType == "timerTrigger").Select(f => Assert.IsType<string>(f.Schedule)).Order(StringComparer.Ordinal));
        var queue = Assert.Single(others, f => f.TriggerType == "queueTrigger");
        Assert.Equal("%Storage:DeliveryQueue%", queue.QueueName);
        Assert.Equal(3, others.Count);
    }

    [Theory]
    [InlineData("Maintenance__Schedule")]
    [InlineData("Maintenance__SweepSchedule")]
    public async Task Each_timer_schedule_resolves_from_the_app_setting_the_local_host_reads(string setting)
    {
        var schedule = TimerSchedule(setting);

        // The Functions host resolves %name% as a configuration key, where the app setting Section__Key is Section:Key.
        Assert.Equal(host.AppSettings[setting], host.ResolveBindingExpression(schedule));

        // The local host binds MaintenanceOptions from the same key: give it a value only this test uses and see it taken.
        var key = schedule.Trim('%');
        const string distinctSchedule = "0 7 3 29 2 *";
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { [key] = distinctSchedule });
        var options = factory.Services.GetRequiredService<IOptions<MaintenanceOptions>>().Value;
        Assert.Equal(distinctSchedule, setting == "Maintenance__Schedule" ? options.Schedule : options.SweepSchedule);
    }

    [Theory]
    [InlineData("Maintenance__Schedule")]
    [InlineData("Maintenance__SweepSchedule")]
    public void Each_timer_setting_is_in_the_local_settings_sample_and_the_bicep_app_settings_with_a_default_that_parses_as_ncrontab_with_seconds(string setting)
    {
        Assert.Equal(setting, TimerSchedule(setting).Trim('%').Replace(":", "__", StringComparison.Ordinal));

        using var sample = JsonDocument.Parse(RepositoryFiles.Read("local.settings.sample.json"));
        Assert.True(sample.RootElement.GetProperty("Values").TryGetProperty(setting, out var sampleValue), $"local.settings.sample.json has no {setting}.");
        AssertParsesWithSeconds(sampleValue.GetString()!);

        var bicep = string.Join('\n', RepositoryFiles.Under("infra-bicep", "*.bicep").Select(File.ReadAllText));
        var appSetting = Regex.Match(bicep, $@"(?m)^\s*'?{Regex.Escape(setting)}'?\s*:\s*(?<parameter>\w+)\s*$");
        Assert.True(appSetting.Success, $"The Bicep app settings have no {setting}.");
        var parameter = Regex.Match(bicep, $@"(?m)^param {appSetting.Groups["parameter"].Value} string = '(?<default>[^']*)'");
        Assert.True(parameter.Success, $"The Bicep parameter {appSetting.Groups["parameter"].Value} has no default.");
        AssertParsesWithSeconds(parameter.Groups["default"].Value);
    }

    private static void AssertParsesWithSeconds(string expression)
    {
        Assert.Equal(6, expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotNull(CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true }));
    }

    private string TimerSchedule(string setting) =>
        Assert.Single(host.Functions, f => f.TriggerType == "timerTrigger" && f.Schedule == $"%{setting.Replace("__", ":", StringComparison.Ordinal)}%").Schedule!;
}
