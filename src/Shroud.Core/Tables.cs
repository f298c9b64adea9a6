using Microsoft.Extensions.Options;
using Shroud.Storage;

namespace Shroud.Core;

/// <summary>Shroud's tables in one storage account, named with the configured prefix.</summary>
public sealed class ShroudTables(TableServiceClient service, IOptions<StorageOptions> options)
{
    public TableServiceClient Service => service;

    public TableClient Apps { get; } = service.GetTableClient(options.Value.TablePrefix + "apps");

    public TableClient Records { get; } = service.GetTableClient(options.Value.TablePrefix + "records");

    public TableClient Conversations { get; } = service.GetTableClient(options.Value.TablePrefix + "conversations");

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Apps, Records, Conversations })
        {
            await service.CreateTableIfNotExistsAsync(table.Name, cancellationToken);
        }
    }

    /// <summary>Connects with the connection string, or with managed identity to the table endpoint.</summary>
    public static TableServiceClient Connect(StorageOptions storage, TableClientOptions clientOptions) =>
        storage.ConnectionString is { Length: > 0 } connectionString
            ? TableServiceClient.FromConnectionString(connectionString, clientOptions)
            : new TableServiceClient(
                new Uri(storage.TableEndpoint!),
                new Azure.Identity.DefaultAzureCredential(new Azure.Identity.DefaultAzureCredentialOptions { ManagedIdentityClientId = storage.ManagedIdentityClientId }),
                clientOptions);
}
