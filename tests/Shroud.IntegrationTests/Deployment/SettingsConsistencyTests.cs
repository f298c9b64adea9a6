using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Host;
using Shroud.IntegrationTests.Functions;

namespace Shroud.IntegrationTests.Deployment;

/// <summary>Every setting the code binds is in local.settings.sample.json; <see cref="CompiledInfrastructureTests"/> checks the Azure app settings.</summary>
public sealed class SettingsConsistencyTests
{
    [Fact]
    public void The_options_classes_are_found()
    {
        Assert.Contains(typeof(ShroudOptions), BoundSettings.OptionsTypes);
        Assert.Contains(typeof(MaintenanceOptions), BoundSettings.OptionsTypes);
        Assert.Contains(BoundSettings.All, s => s is { Name: "RootKeys__Keys", IsFamily: true });
        Assert.Contains(BoundSettings.All, s => s is { Name: "Maintenance__Schedule", IsFamily: false });
        Assert.Contains(BoundSettings.All, s => s is { Name: "Maintenance__SweepSchedule", IsFamily: false });
    }

    [Fact]
    public void Every_bound_setting_is_in_local_settings_sample()
    {
        var values = SampleValueNames();

        var missing = BoundSettings.All.Where(s => !values.Any(s.IsMatchedBy)).Select(s => s.ToString());

        Assert.Empty(missing);
    }

    [Fact]
    public void The_sample_has_the_functions_host_settings_with_local_values()
    {
        var values = LocalSettingsFile.ReadValues(RepositoryFiles.Path(LocalSettingsFile.SampleFileName));

        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("UseDevelopmentStorage=true", values["AzureWebJobsStorage"]);
        Assert.Equal("UseDevelopmentStorage=true", values["Storage:ConnectionString"]);
    }

    [Fact]
    public void The_sample_gives_the_delivery_queue_trigger_shrouds_own_storage_and_queue()
    {
        var values = LocalSettingsFile.ReadValues(RepositoryFiles.Path(LocalSettingsFile.SampleFileName));

        // The trigger's connection is a connection string locally; the queue it names is the one Shroud enqueues to.
        Assert.Equal(values["Storage:ConnectionString"], values[FunctionsWorker.DeliveryQueueConnection]);
        Assert.False(values.ContainsKey("AzureWebJobs" + FunctionsWorker.DeliveryQueueConnection), "AzureWebJobs{connection} would be read before the connection itself.");
        Assert.Matches("^[a-z0-9](-?[a-z0-9])+$", values["Storage:DeliveryQueue"]);
        Assert.InRange(values["Storage:DeliveryQueue"]!.Length + "-poison".Length, 3, 63);
    }

    [Fact]
    public void The_sample_settings_pass_the_hosts_start_up_checks()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalSettingsFile.ReadValues(RepositoryFiles.Path(LocalSettingsFile.SampleFileName)))
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddShroudCore().BuildServiceProvider();

        foreach (var type in BoundSettings.OptionsTypes)
        {
            // IOptions<T>.Value runs the same validators as ValidateOnStart and throws on the first failure.
            var options = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
            Assert.NotNull(options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options));
        }
    }

    private static IReadOnlyList<string> SampleValueNames()
    {
        using var document = JsonDocument.Parse(RepositoryFiles.Read(LocalSettingsFile.SampleFileName));
        return document.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToList();
    }
}
