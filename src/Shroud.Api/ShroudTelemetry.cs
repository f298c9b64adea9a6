using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>
/// OpenTelemetry for both hosts: requests, storage dependencies, logs and Shroud's outcome counters, exported to
/// Application Insights and/or an OTLP endpoint when their standard settings are present.
/// </summary>
/// <remarks>
/// What may be recorded is kept to what the instrumentations record by default: route, method, status and a path
/// whose only variables are app, key, configuration and conversation ids. References, values and keys travel in
/// bodies and headers, which no instrumentation here records; query strings are redacted by the instrumentations,
/// and the Azure SDK sanitizes the storage URLs it records (row keys are ref ids, never references).
/// </remarks>
public static class ShroudTelemetry
{
    /// <summary>The Application Insights connection string (set by the Bicep deployment).</summary>
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The standard OpenTelemetry setting for an OTLP collector, e.g. <c>http://localhost:4317</c>.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The Azure SDK names its activity sources <c>Azure.*</c>; this one wraps each HTTP request of a client.</summary>
    private const string AzureHttpSource = "Azure.Core.Http";

    public static IOpenTelemetryBuilder AddShroudTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        // The Azure SDK reports its storage calls through ActivitySource only behind this switch (the Azure Monitor
        // distro sets it too); without it those dependencies would be missing from every trace.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);

        var telemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                // The Azure SDK's own span already describes a storage call; its HttpClient child would only repeat it.
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = _ => Activity.Current?.Parent?.Source.Name != AzureHttpSource)
                .AddSource("Azure.*"))
            .WithMetrics(metrics => metrics
                .AddMeter(ShroudMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithLogging();

        if (!string.IsNullOrWhiteSpace(configuration[AzureMonitorSetting]))
        {
            telemetry.UseAzureMonitorExporter(o =>
            {
                // No sampling (the exporter's default keeps 5 traces per second): a head sampler decides when a request
                // starts, before anyone knows whether it will fail, so the only sampler that keeps every failure keeps
                // every trace. A call costs one request span and a few storage spans.
                o.SamplingRatio = 1F;
                o.TracesPerSecond = null;
            });
        }

        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            telemetry.UseOtlpExporter();
        }

        return telemetry;
    }
}
