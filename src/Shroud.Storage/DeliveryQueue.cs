using Azure.Storage.Queues;
using Shroud.Core.Channels.Deliveries;

namespace Shroud.Storage;

/// <summary>The delivery queue on an Azure Storage queue; the client encodes messages as base64 (see <see cref="StorageAccount"/>).</summary>
public sealed class DeliveryQueue(QueueClient queue, QueueClient poison) : IDeliveryQueue
{
    public async Task SendAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken) =>
        await queue.SendMessageAsync(message.Serialize(), delay > TimeSpan.Zero ? delay : null, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<QueuedDelivery>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var received = await queue.ReceiveMessagesAsync(maxMessages, visibility, cancellationToken);
        return received.Value.Select(m => new QueuedDelivery(m.Body.ToString(), m.MessageId, m.PopReceipt, m.DequeueCount)).ToList();
    }

    public async Task DeleteAsync(QueuedDelivery message, CancellationToken cancellationToken) =>
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);

    public async Task MoveToPoisonAsync(QueuedDelivery message, CancellationToken cancellationToken)
    {
        await poison.SendMessageAsync(message.Text, cancellationToken);
        await DeleteAsync(message, cancellationToken);
    }
}
