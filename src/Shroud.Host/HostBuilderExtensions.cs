using Shroud.Api;
using Shroud.Host.Azurite;

namespace Shroud.Host;

public static class HostBuilderExtensions
{
    /// <summary>
    /// Everything the local host adds to the API: in Development the repository's <c>local.settings.json</c>, a local
    /// Azurite when the settings ask for development storage, the maintenance schedule, the delivery queue's listener, and telemetry.
    /// </summary>
    public static WebApplicationBuilder AddShroudHost(this WebApplicationBuilder builder)
    {
        // Development only, so tests and deployed hosts never pick up a developer's file.
        if (builder.Environment.IsDevelopment() && LocalSettingsFile.Find(builder.Environment.ContentRootPath) is { } localSettings)
        {
            LocalSettingsFile.AddTo(builder.Configuration, localSettings);
        }

        // Registered before the API so that Azurite is up before the tables are created.
        builder.Services.AddHostedService<LocalAzurite>();
        builder.Services.AddShroudApi();
        // The OpenAPI document is generated from this host's endpoints (a test compares it with docs/openapi.json).
        builder.Services.AddShroudOpenApi();
        builder.Services.AddShroudTelemetry(builder.Configuration);
        builder.Services.AddHostedService<MaintenanceScheduler>();
        builder.Services.AddHostedService<DeliveryListener>();
        return builder;
    }
}
