using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>The Functions app and the local host serve the same API and run the job on the same setting.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsParityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Every_local_host_endpoint_has_a_function_with_the_same_method_and_route_and_no_other()
    {
        await using var factory = new ShroudFactory(azurite);
        var local = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet();
        var functions = FunctionDeclarations.Http.Select(f => $"{f.Method} /{f.Route}").ToHashSet();

        Assert.NotEmpty(local);
        Assert.True(local.SetEquals(functions),
            $"Only in the local host: {string.Join(", ", local.Except(functions).Order())}. " +
            $"Only in the Functions app: {string.Join(", ", functions.Except(local).Order())}.");
    }

    [Fact]
    public void Each_route_and_method_is_one_function_that_leaves_authorization_to_shroud()
    {
        Assert.All(FunctionDeclarations.Http, f => Assert.Equal("Anonymous", f.AuthorizationLevel));
        var duplicates = FunctionDeclarations.Http.GroupBy(f => $"{f.Method} /{f.Route}").Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
        // A function may take several methods (health: GET and HEAD), on one route; two functions never share a name.
        Assert.All(FunctionDeclarations.Http.GroupBy(f => f.Name), function =>
        {
            Assert.Single(function.Select(f => f.Route).Distinct());
            Assert.Equal(function.Count(), function.Select(f => f.Method).Distinct().Count());
        });
    }

    [Theory]
    [InlineData("Maintenance__Schedule")]
    [InlineData("Maintenance__SweepSchedule")]
    public async Task Each_timer_runs_on_a_schedule_setting_the_local_host_reads(string setting)
    {
        Assert.Equal(2, FunctionDeclarations.TimerSchedules.Count);
        var schedule = Assert.Single(FunctionDeclarations.TimerSchedules, s => s == $"%{setting.Replace("__", ":", StringComparison.Ordinal)}%");

        // The Functions host resolves %name% as a configuration key (IConfiguration[name]); the local host binds
        // MaintenanceOptions from configuration. Give that key a value only this test uses and see the local host's job take it.
        var key = schedule.Trim('%');
        const string distinctSchedule = "0 7 3 29 2 *";
        await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { [key] = distinctSchedule });

        var options = factory.Services.GetRequiredService<IOptions<MaintenanceOptions>>().Value;
        Assert.Equal(distinctSchedule, setting == "Maintenance__Schedule" ? options.Schedule : options.SweepSchedule);
    }
}
