using Microsoft.Azure.Functions.Worker;
using Shroud.Api.Channels;

namespace Shroud.Functions;

/// <summary>The consumer of the delivery queue: each message the webhook ingress enqueued is handed to <see cref="DeliveryWorker"/>.</summary>
public sealed class DeliveryFunctions(DeliveryWorker worker)
{
    /// <summary>
    /// The connection the queue trigger reads, an app setting name. Not <c>Storage</c>: the queue extension looks up
    /// <c>AzureWebJobs</c> + name first, so <c>Storage</c> would resolve to the Functions host's own
    /// <c>AzureWebJobsStorage</c>, which need not be Shroud's account. Locally <c>DeliveryQueueConnection</c> holds a
    /// connection string (<c>UseDevelopmentStorage=true</c>); in Azure it is identity-based:
    /// <c>DeliveryQueueConnection__queueServiceUri</c> (the account's queue endpoint, as <c>Storage__QueueEndpoint</c>),
    /// <c>DeliveryQueueConnection__credential</c> = <c>managedidentity</c> and <c>DeliveryQueueConnection__clientId</c>.
    /// </summary>
    public const string QueueConnection = "DeliveryQueueConnection";

    /// <summary>
    /// Runs for each message of the queue named by the <c>Storage__DeliveryQueue</c> app setting (<c>%…%</c> names it
    /// with a colon, as for the timers). A message whose invocation fails becomes visible again and is retried; after
    /// <c>extensions.queues.maxDequeueCount</c> attempts (host.json) it moves to <c>{queue}-poison</c>.
    /// </summary>
    [Function(nameof(DeliverMessage))]
    public Task DeliverMessage([QueueTrigger("%Storage:DeliveryQueue%", Connection = QueueConnection)] string message, CancellationToken cancellationToken) =>
        worker.ProcessAsync(message, cancellationToken);
}
