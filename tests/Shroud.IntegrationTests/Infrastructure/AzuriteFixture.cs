using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Shroud.Host.Azurite;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Shares one Azurite among all test classes of the collection.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The collection name for [Collection(AzuriteCollection.Name)].</summary>
    public const string Name = "Azurite";
}

/// <summary>One in-memory Azurite on free ports for the test run.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private int _counter;

    /// <summary>SharedKey connection string of the running Azurite.</summary>
    public string ConnectionString => (_azurite ?? throw new InvalidOperationException("Azurite is not running.")).ConnectionString;

    /// <summary>The table service port of the running Azurite.</summary>
    public int TablePort => (_azurite ?? throw new InvalidOperationException("Azurite is not running.")).TablePort;

    /// <summary>A new service client for the running Azurite.</summary>
    public TableServiceClient CreateTableService(TableClientOptions? options = null) => new(ConnectionString, options);

    /// <summary>A new blob service client for the running Azurite.</summary>
    public BlobServiceClient CreateBlobService(BlobClientOptions? options = null) => new(ConnectionString, options);

    /// <summary>A new queue service client for the running Azurite; messages Base64-encoded, as the Functions queue extension expects.</summary>
    public QueueServiceClient CreateQueueService() => new(ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>A name of letters and digits, valid for a table, unique per call.</summary>
    public string UniqueName(string prefix)
    {
        if (prefix.Length == 0 || !char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("The prefix must start with a letter and hold letters and digits only.", nameof(prefix));
        }

        var suffix = $"{Interlocked.Increment(ref _counter)}x{Guid.NewGuid():N}"[..12];
        return prefix[..Math.Min(prefix.Length, 63 - suffix.Length)] + suffix;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        // A port found free can be taken before Azurite binds it; try a few port sets.
        for (var attempt = 1; ; attempt++)
        {
            var options = new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: true);
            try
            {
                _azurite = await AzuriteProcess.StartAsync(options);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
