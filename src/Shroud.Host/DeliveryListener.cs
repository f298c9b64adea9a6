using Shroud.Api.Channels;
using Shroud.Core.Channels.Deliveries;

namespace Shroud.Host;

/// <summary>
/// The local host's stand-in for the Functions queue trigger: receives delivery messages (hidden for
/// <see cref="Visibility"/> while they are handled), hands each to <see cref="DeliveryWorker"/> and deletes it once that
/// returned. A message whose handling threw is left to reappear after its visibility timeout: at least once; one
/// received more than <see cref="MaxDequeueCount"/> times goes to the poison queue, as the Functions trigger does. A
/// storage outage is logged and waited out; it never stops the host.
/// </summary>
public sealed class DeliveryListener(IDeliveryQueue queue, DeliveryWorker worker, ILogger<DeliveryListener> logger) : BackgroundService
{
    /// <summary>How long a received message stays hidden: well above one delivery's timeout.</summary>
    public static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    /// <summary>Messages received (and handled concurrently) at once, as the Functions queue trigger's default batch.</summary>
    public const int BatchSize = 16;

    /// <summary>Receipts of one message before it is set aside: the Functions queue trigger's default.</summary>
    public const int MaxDequeueCount = 5;

    // An empty queue is polled again after 100 ms, doubling to 1 s while it stays empty.
    private static readonly TimeSpan FirstIdleDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxIdleDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OutageDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idle = FirstIdleDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<QueuedDelivery> messages;
            try
            {
                messages = await queue.ReceiveAsync(BatchSize, Visibility, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Could not receive deliveries ({ExceptionType}); retrying in {Delay}", e.GetType().Name, OutageDelay);
                await Task.Delay(OutageDelay, stoppingToken);
                continue;
            }

            if (messages.Count == 0)
            {
                await Task.Delay(idle, stoppingToken);
                idle = idle * 2 < MaxIdleDelay ? idle * 2 : MaxIdleDelay;
                continue;
            }

            idle = FirstIdleDelay;
            await Task.WhenAll(messages.Select(m => HandleAsync(m, stoppingToken)));
        }
    }

    private async Task HandleAsync(QueuedDelivery message, CancellationToken stoppingToken)
    {
        try
        {
            if (message.DequeueCount > MaxDequeueCount)
            {
                await queue.MoveToPoisonAsync(message, stoppingToken);
                logger.LogWarning("Delivery message {MessageId} failed {Count} times; moved to the poison queue", message.MessageId, MaxDequeueCount);
                return;
            }

            await worker.ProcessAsync(message.Text, stoppingToken);
            await queue.DeleteAsync(message, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning("Delivery message {MessageId} failed ({ExceptionType}); it reappears in {Visibility}", message.MessageId, e.GetType().Name, Visibility);
        }
    }
}
