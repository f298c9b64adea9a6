using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shroud.Storage;

/// <summary>
/// Creates Shroud's tables, media container and delivery queue when a host starts. When storage is down the host still starts (health answers 503)
/// and creation is retried in the background until it succeeds.
/// </summary>
public sealed class StorageInitializer(StorageAccount storage, ILogger<StorageInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await TryCreateAsync(cancellationToken))
        {
            await base.StartAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(RetryDelay, stoppingToken);
            if (await TryCreateAsync(stoppingToken))
            {
                return;
            }
        }
    }

    private async Task<bool> TryCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await storage.CreateIfNotExistsAsync(cancellationToken);
            logger.LogInformation(
                "Tables {Apps}, {Records}, {Conversations}, {Audit}, {Deliveries}, container {Media} and queue {DeliveryQueue} are ready",
                storage.Apps.Name, storage.Records.Name, storage.Conversations.Name, storage.Audit.Name, storage.Deliveries.Name, storage.Media.Name, storage.DeliveryQueue.Name);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not create tables yet ({ExceptionType}); retrying in {Delay}", e.GetType().Name, RetryDelay);
            return false;
        }
    }
}
