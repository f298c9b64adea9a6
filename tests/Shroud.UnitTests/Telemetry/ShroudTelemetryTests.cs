using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using Shroud.Api;

namespace Shroud.UnitTests.Telemetry;

public sealed class ShroudTelemetryTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1/";
    private static readonly string AzureMonitor = typeof(AzureMonitorExporterOptions).Assembly.GetName().Name!;
    private static readonly string Otlp = typeof(OtlpExporterOptions).Assembly.GetName().Name!;

    private static IServiceCollection Register(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddShroudTelemetry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services;
    }

    private static bool Registers(IServiceCollection services, string assemblyName) =>
        services.Any(d => d.ServiceType.Assembly.GetName().Name == assemblyName || d.ImplementationType?.Assembly.GetName().Name == assemblyName);

    [Fact]
    public void Without_an_exporter_setting_nothing_is_exported()
    {
        var services = Register([]);

        Assert.False(Registers(services, AzureMonitor));
        Assert.False(Registers(services, Otlp));
    }

    [Fact]
    public void The_application_insights_connection_string_turns_on_the_azure_monitor_exporter_without_sampling()
    {
        var services = Register(new() { [ShroudTelemetry.AzureMonitorSetting] = ConnectionString });

        Assert.True(Registers(services, AzureMonitor));
        Assert.False(Registers(services, Otlp));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().CurrentValue;
        Assert.Equal(1F, options.SamplingRatio);
        Assert.Null(options.TracesPerSecond);
    }

    [Fact]
    public void The_otlp_endpoint_turns_on_the_otlp_exporter()
    {
        var services = Register(new() { [ShroudTelemetry.OtlpEndpointSetting] = "http://127.0.0.1:4317" });

        Assert.True(Registers(services, Otlp));
        Assert.False(Registers(services, AzureMonitor));
    }
}
