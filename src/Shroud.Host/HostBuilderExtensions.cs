using Shroud.Api;
using Shroud.Host.Azurite;

namespace Shroud.Host;

public static class HostBuilderExtensions
{
    /// <summary>Everything the local host adds to the API: a local Azurite when the settings ask for development storage, and the maintenance schedule.</summary>
    public static WebApplicationBuilder AddShroudHost(this WebApplicationBuilder builder)
    {
        // Registered before the API so that Azurite is up before the tables are created.
        builder.Services.AddHostedService<LocalAzurite>();
        builder.Services.AddShroudApi();
        builder.Services.AddHostedService<MaintenanceScheduler>();
        return builder;
    }
}
