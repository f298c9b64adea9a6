using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Deliveries;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;
using Shroud.Core.Media;
using Shroud.Core.Records;

namespace Shroud.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the storage settings, the clients built from them, and the stores the core services use.</summary>
    public static IServiceCollection AddShroudStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidation>();
        services.TryAddSingleton(_ => StorageAccount.DefaultTableOptions());
        services.TryAddSingleton(_ => StorageAccount.DefaultBlobOptions());
        services.TryAddSingleton(_ => StorageAccount.DefaultQueueOptions());
        services.AddSingleton<StorageAccount>();
        services.AddSingleton<IAppStore>(sp => new AppTable(sp.GetRequiredService<StorageAccount>().Apps));
        services.AddSingleton<IApiKeyStore>(sp => new ApiKeyTable(sp.GetRequiredService<StorageAccount>().Apps));
        services.AddSingleton<IConfigurationStore>(sp => new ConfigurationTable(
            sp.GetRequiredService<StorageAccount>().Apps, sp.GetRequiredService<IAppStore>(), sp.GetRequiredService<AppDirectory>(), sp.GetRequiredService<IConversationStore>()));
        services.AddSingleton<IChannelStore>(sp => new ChannelTable(sp.GetRequiredService<StorageAccount>().Apps));
        services.AddSingleton<IConversationStore>(sp => new ConversationTable(sp.GetRequiredService<StorageAccount>().Conversations, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRecordStore>(sp => new RecordTable(sp.GetRequiredService<StorageAccount>().Records, sp.GetRequiredService<StorageAccount>().Media));
        services.AddSingleton<IAuditStore>(sp => new AuditTable(sp.GetRequiredService<StorageAccount>().Audit));
        services.AddSingleton<IDeliveryStore>(sp => new DeliveryTable(sp.GetRequiredService<StorageAccount>().Deliveries));
        services.AddSingleton<IDeliveryQueue>(sp => new DeliveryQueue(sp.GetRequiredService<StorageAccount>().DeliveryQueue, sp.GetRequiredService<StorageAccount>().DeliveryPoisonQueue));
        services.AddSingleton<IMediaStore>(sp => new MediaContainer(sp.GetRequiredService<StorageAccount>().Media));
        services.AddHostedService<StorageInitializer>();
        return services;
    }
}
