using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Shroud.FunctionsHostDriver;

/// <summary>What became of one received message.</summary>
public enum QueueMessageOutcome
{
    /// <summary>The invocation succeeded and the message was deleted.</summary>
    Deleted,

    /// <summary>The invocation failed and the message was made visible again after the visibility timeout.</summary>
    Released,

    /// <summary>The message reached the maximum dequeue count and was moved to the poison queue.</summary>
    Poisoned,
}

/// <summary>One message the listener received and finished with, recorded after the queue was updated.</summary>
/// <param name="Invoked">False for a message that had been dequeued too often already and went to the poison queue untried.</param>
public sealed record QueueDelivery(string MessageId, long DequeueCount, bool Invoked, bool Succeeded, QueueMessageOutcome Outcome);

/// <summary>
/// The queue trigger's listener as the Storage Queues extension runs it in the Functions host: polls the queue (backing
/// off exponentially from 100 ms to <see cref="QueueTriggerOptions.MaxPollingInterval"/> while it is empty or missing),
/// receives up to <see cref="QueueTriggerOptions.BatchSize"/> messages hidden for ten minutes, and for each one invokes
/// the function; a success deletes the message, a failure makes it visible again after
/// <see cref="QueueTriggerOptions.VisibilityTimeout"/>, and a failure at <see cref="QueueTriggerOptions.MaxDequeueCount"/>
/// (or a message already dequeued more often) moves it to the poison queue, as does a body that does not decode
/// (<see cref="Create"/>). Written here because the extension's
/// listener lives inside the WebJobs host, which this driver stands in for. Unlike the host it does not extend the
/// ten-minute lease of a longer invocation, nor randomize its back-off.
/// </summary>
public sealed class QueueTriggerListener : IAsyncDisposable
{
    /// <summary>How long a received message stays invisible while its invocation runs, as in the extension.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly QueueClient queue;
    private readonly QueueClient poisonQueue;
    private readonly QueueTriggerOptions options;
    private readonly Func<QueueMessage, CancellationToken, Task<bool>> invoke;
    private readonly Action<string> log;
    private readonly ConcurrentQueue<QueueDelivery> deliveries = new();
    private readonly CancellationTokenSource stop = new();
    private Task running = Task.CompletedTask;

    /// <param name="queue">The trigger's queue, with the message encoding of <paramref name="options"/>.</param>
    /// <param name="poisonQueue">Where failing messages go, <c>{queue}-poison</c>, with the same encoding.</param>
    /// <param name="invoke">Runs the function for a message; true when the invocation succeeded. An exception counts as a failure.</param>
    /// <param name="log">Receives the listener's storage errors.</param>
    public QueueTriggerListener(QueueClient queue, QueueClient poisonQueue, QueueTriggerOptions options, Func<QueueMessage, CancellationToken, Task<bool>> invoke, Action<string>? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDequeueCount, 1);
        this.queue = queue;
        this.poisonQueue = poisonQueue;
        this.options = options;
        this.invoke = invoke;
        this.log = log ?? (_ => { });
    }

    /// <summary>
    /// A listener on <paramref name="queueName"/> with clients made as the extension makes them: messages encoded as
    /// <see cref="QueueTriggerOptions.MessageEncoding"/> says, and a message whose body does not decode (text put on a
    /// Base64 queue, say) copied as it is to the poison queue and deleted, without an invocation.
    /// </summary>
    public static QueueTriggerListener Create(string connectionString, string queueName, QueueTriggerOptions options, Func<QueueMessage, CancellationToken, Task<bool>> invoke, Action<string>? log = null)
    {
        var rawPoisonQueue = new QueueClient(connectionString, queueName + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        QueueTriggerListener? listener = null;
        var clientOptions = new QueueClientOptions { MessageEncoding = options.MessageEncoding };
        clientOptions.MessageDecodingFailed += args => listener!.PoisonUndecodableAsync(args, rawPoisonQueue);
        var service = new QueueServiceClient(connectionString, clientOptions);
        listener = new QueueTriggerListener(service.GetQueueClient(queueName), service.GetQueueClient(queueName + "-poison"), options, invoke, log);
        return listener;
    }

    public string QueueName => queue.Name;

    public string PoisonQueueName => poisonQueue.Name;

    /// <summary>Every message finished so far, in the order they finished.</summary>
    public IReadOnlyList<QueueDelivery> Deliveries => [.. deliveries];

    /// <summary>Starts polling.</summary>
    public void Start() => running = Task.Run(() => RunAsync(stop.Token));

    /// <summary>Waits until a message matching <paramref name="predicate"/> has been finished with, and returns that record.</summary>
    public async Task<QueueDelivery> WaitForAsync(Func<QueueDelivery, bool> predicate, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (deliveries.FirstOrDefault(predicate) is { } delivery)
            {
                return delivery;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching message of queue {queue.Name} was finished within {timeout}; finished: {string.Join(", ", deliveries)}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var processing = new List<Task>();
        var delay = MinimumPollingInterval;
        var queueExists = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            QueueMessage[] batch = [];
            try
            {
                // As the extension does: check that the queue exists until it does, rather than fail every receive.
                queueExists = queueExists || (await queue.ExistsAsync(cancellationToken)).Value;
                if (queueExists)
                {
                    batch = (await queue.ReceiveMessagesAsync(options.BatchSize, Lease, cancellationToken)).Value;
                }
            }
            catch (RequestFailedException e)
            {
                queueExists = false;
                log($"Polling queue {queue.Name} failed ({e.Status} {e.ErrorCode}); backing off.");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            processing.AddRange(batch.Select(message => ProcessAsync(message, cancellationToken)));
            if (batch.Length > 0)
            {
                delay = MinimumPollingInterval;
                while (processing.Count > options.NewBatchThreshold)
                {
                    processing.Remove(await Task.WhenAny(processing));
                }

                continue;
            }

            processing.RemoveAll(p => p.IsCompleted);
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(options.MaxPollingInterval.Ticks, MinimumPollingInterval.Ticks)));
        }

        await Task.WhenAll(processing);
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            if (message.DequeueCount > options.MaxDequeueCount)
            {
                await PoisonAsync(message, cancellationToken);
                deliveries.Enqueue(new QueueDelivery(message.MessageId, message.DequeueCount, Invoked: false, Succeeded: false, QueueMessageOutcome.Poisoned));
                return;
            }

            bool succeeded;
            try
            {
                succeeded = await invoke(message, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                log($"Invoking the function for message {message.MessageId} of {queue.Name} threw {e.GetType().Name}: {e.Message}");
                succeeded = false;
            }

            QueueMessageOutcome outcome;
            if (succeeded)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                outcome = QueueMessageOutcome.Deleted;
            }
            else if (message.DequeueCount >= options.MaxDequeueCount)
            {
                await PoisonAsync(message, cancellationToken);
                outcome = QueueMessageOutcome.Poisoned;
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: options.VisibilityTimeout, cancellationToken: cancellationToken);
                outcome = QueueMessageOutcome.Released;
            }

            deliveries.Enqueue(new QueueDelivery(message.MessageId, message.DequeueCount, Invoked: true, succeeded, outcome));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message reappears when its lease ends, as with a host that shuts down mid-invocation.
        }
        catch (RequestFailedException e)
        {
            // The message is gone or was taken over (its pop receipt changed): the host leaves it too.
            log($"Finishing message {message.MessageId} of {queue.Name} failed ({e.Status} {e.ErrorCode}).");
        }
    }

    /// <summary>Copies the message's text to the poison queue, creating it when missing, then deletes the original.</summary>
    private Task PoisonAsync(QueueMessage message, CancellationToken cancellationToken) => PoisonAsync(message, poisonQueue, cancellationToken);

    private async Task PoisonAsync(QueueMessage message, QueueClient target, CancellationToken cancellationToken)
    {
        try
        {
            await target.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await target.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await target.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
        }

        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    /// <summary>A received body that did not decode: the raw body goes to the poison queue through a client that encodes nothing.</summary>
    private async Task PoisonUndecodableAsync(QueueMessageDecodingFailedEventArgs args, QueueClient rawPoisonQueue)
    {
        if (args.ReceivedMessage is not { } message)
        {
            return;
        }

        try
        {
            await PoisonAsync(message, rawPoisonQueue, args.CancellationToken);
            deliveries.Enqueue(new QueueDelivery(message.MessageId, message.DequeueCount, Invoked: false, Succeeded: false, QueueMessageOutcome.Poisoned));
        }
        catch (RequestFailedException e)
        {
            log($"Moving undecodable message {message.MessageId} of {queue.Name} to its poison queue failed ({e.Status} {e.ErrorCode}).");
        }
    }
}
