using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;
using Shroud.Storage;

namespace Shroud.Core;

/// <summary>Shroud's tables and media container in one storage account, named with the configured prefix.</summary>
public sealed class ShroudStorage
{
    public ShroudStorage(IOptions<StorageOptions> options, TableClientOptions tableOptions, BlobClientOptions blobOptions)
    {
        var storage = options.Value;
        if (storage.ConnectionString is { Length: > 0 } connectionString)
        {
            Tables = TableServiceClient.FromConnectionString(connectionString, tableOptions);
            Blobs = BlobServiceClient.FromConnectionString(connectionString, blobOptions);
        }
        else
        {
            TokenCredential identity = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = storage.ManagedIdentityClientId });
            Tables = new TableServiceClient(new Uri(storage.TableEndpoint!), identity, tableOptions);
            Blobs = new BlobServiceClient(new Uri(storage.BlobEndpoint!), identity, blobOptions);
        }

        Apps = Tables.GetTableClient(storage.TablePrefix + "apps");
        Records = Tables.GetTableClient(storage.TablePrefix + "records");
        Conversations = Tables.GetTableClient(storage.TablePrefix + "conversations");
        Media = Blobs.GetContainerClient(storage.TablePrefix.ToLowerInvariant() + "media");
    }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    public TableClient Apps { get; }

    public TableClient Records { get; }

    public TableClient Conversations { get; }

    /// <summary>The container of sealed media: ciphertext only, one blob per media reference.</summary>
    public BlobContainerClient Media { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Apps, Records, Conversations })
        {
            await Tables.CreateTableIfNotExistsAsync(table.Name, cancellationToken);
        }

        await Media.CreateIfNotExistsAsync(cancellationToken);
    }
}
