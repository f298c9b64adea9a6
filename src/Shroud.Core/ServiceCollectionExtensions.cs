using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Crypto;
using Shroud.Core.Events;
using Shroud.Core.Maintenance;
using Shroud.Core.Media;
using Shroud.Core.Records;

namespace Shroud.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers Shroud's settings (validated at start) and domain services; the stores they need come from a storage layer.</summary>
    public static IServiceCollection AddShroudCore(this IServiceCollection services)
    {
        services.AddOptions<ShroudOptions>().BindConfiguration(ShroudOptions.SectionName).ValidateOnStart();
        services.AddOptions<RootKeyOptions>().BindConfiguration(RootKeyOptions.SectionName).ValidateOnStart();
        services.AddOptions<MaintenanceOptions>().BindConfiguration(MaintenanceOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShroudOptions>, ShroudSettingsValidation>();
        services.AddSingleton<IValidateOptions<RootKeyOptions>, ShroudSettingsValidation>();
        services.AddSingleton<IValidateOptions<MaintenanceOptions>, ShroudSettingsValidation>();
        services.AddOptions<ChannelOptions>().BindConfiguration(ChannelOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChannelOptions>, ChannelOptionsValidation>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ShroudMetrics>();

        services.AddSingleton<RootKeyRing>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<AppDirectory>();
        services.AddSingleton<AppRegistry>();
        services.AddSingleton<Gatekeeper>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Vault>();
        services.AddSingleton<MaintenanceJob>();
        services.AddSingleton<ConversationConfigurations>();
        services.AddSingleton<ChatEvents>();
        services.AddSingleton<MediaVault>();
        services.AddSingleton<ChannelSecrets>();
        services.AddSingleton<ChannelInbox>();
        services.AddSingleton<ChannelDirectory>();
        services.AddSingleton<OutboundAddressPolicy>();
        return services;
    }
}
