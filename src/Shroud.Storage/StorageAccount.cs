using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Shroud.Storage;

/// <summary>
/// The one place that builds storage clients from settings: Shroud's tables, media container and delivery queue in one
/// account, named with the configured prefix (the queue with its own setting), reached with a connection string or
/// with managed identity. Queue messages are base64, as the Functions queue trigger reads them by default.
/// </summary>
public sealed class StorageAccount
{
    /// <summary>Attempts per storage request: the first and three retries.</summary>
    public const int MaxRetries = 3;

    /// <summary>How long one attempt may wait for storage before it is abandoned (and retried).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a storage request can take before it fails: every attempt timing out, plus the backoff between them
    /// (at most 0.25 s, 0.5 s and 1 s with jitter), unless storage itself asks for a longer pause with Retry-After.
    /// </summary>
    public static readonly TimeSpan FailureBound = (MaxRetries + 1) * AttemptTimeout + TimeSpan.FromSeconds(2);

    public StorageAccount(IOptions<StorageOptions> options, TableClientOptions tableOptions, BlobClientOptions blobOptions)
        : this(options, tableOptions, blobOptions, DefaultQueueOptions())
    {
    }

    public StorageAccount(IOptions<StorageOptions> options, TableClientOptions tableOptions, BlobClientOptions blobOptions, QueueClientOptions queueOptions)
    {
        var storage = options.Value;
        tableOptions.AddPolicy(new MissingResourcePolicy(CreateIfNotExistsAsync), HttpPipelinePosition.PerCall);
        blobOptions.AddPolicy(new MissingResourcePolicy(CreateIfNotExistsAsync), HttpPipelinePosition.PerCall);
        queueOptions.AddPolicy(new MissingResourcePolicy(CreateIfNotExistsAsync), HttpPipelinePosition.PerCall);
        queueOptions.MessageEncoding = QueueMessageEncoding.Base64;
        if (storage.ConnectionString is { Length: > 0 } connectionString)
        {
            Tables = new TableServiceClient(connectionString, tableOptions);
            Blobs = new BlobServiceClient(connectionString, blobOptions);
            Queues = new QueueServiceClient(connectionString, queueOptions);
        }
        else
        {
            TokenCredential identity = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = storage.ManagedIdentityClientId });
            Tables = new TableServiceClient(new Uri(storage.TableEndpoint!), identity, tableOptions);
            Blobs = new BlobServiceClient(new Uri(storage.BlobEndpoint!), identity, blobOptions);
            Queues = new QueueServiceClient(new Uri(storage.QueueEndpoint!), identity, queueOptions);
        }

        Apps = Tables.GetTableClient(storage.TablePrefix + "apps");
        Records = Tables.GetTableClient(storage.TablePrefix + "records");
        Conversations = Tables.GetTableClient(storage.TablePrefix + "conversations");
        Audit = Tables.GetTableClient(storage.TablePrefix + "audit");
        Deliveries = Tables.GetTableClient(storage.TablePrefix + "deliveries");
        DeliveryQueue = Queues.GetQueueClient(storage.DeliveryQueue);
        DeliveryPoisonQueue = Queues.GetQueueClient(storage.DeliveryQueue + "-poison");
        Media = Blobs.GetBlobContainerClient(storage.TablePrefix.ToLowerInvariant() + "media");
    }

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public TableClient Apps { get; }

    public TableClient Records { get; }

    public TableClient Conversations { get; }

    /// <summary>The audit trail: one partition per day and stream.</summary>
    public TableClient Audit { get; }

    /// <summary>The deliveries of channel webhooks to bots: one partition per channel, and the sweep's index.</summary>
    public TableClient Deliveries { get; }

    /// <summary>The queue of delivery attempts (base64 messages).</summary>
    public QueueClient DeliveryQueue { get; }

    /// <summary>Where messages whose handling failed five times go, named as the Functions queue trigger names it.</summary>
    public QueueClient DeliveryPoisonQueue { get; }

    /// <summary>The container of sealed media: ciphertext only, one blob per media reference.</summary>
    public BlobContainerClient Media { get; }

    /// <summary>Client options with Shroud's retry budget (see <see cref="FailureBound"/>); tests add their policies to these.</summary>
    public static TableClientOptions DefaultTableOptions() => WithRetryBudget(new TableClientOptions());

    /// <inheritdoc cref="DefaultTableOptions"/>
    public static BlobClientOptions DefaultBlobOptions() => WithRetryBudget(new BlobClientOptions());

    /// <inheritdoc cref="DefaultTableOptions"/>
    public static QueueClientOptions DefaultQueueOptions() => WithRetryBudget(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>
    /// Reads one page of each table and the container's properties: throws when storage does not answer or a table or
    /// the container is missing and cannot be created (a missing one is created on the way, as on any request).
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        foreach (var table in AllTables)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {""}");
            await foreach (var _ in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
            {
                break;
            }
        }

        await Media.GetPropertiesAsync(cancellationToken: cancellationToken);
        await DeliveryQueue.GetPropertiesAsync(cancellationToken);
    }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        foreach (var table in AllTables)
        {
            await Tables.CreateTableIfNotExistsAsync(table.Name, cancellationToken);
        }

        await Media.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await DeliveryQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await DeliveryPoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    private TableClient[] AllTables => [Apps, Records, Conversations, Audit, Deliveries];

    private static T WithRetryBudget<T>(T options)
        where T : ClientOptions
    {
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(250);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = AttemptTimeout;
        return options;
    }
}
