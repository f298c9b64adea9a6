using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shroud.Core.Channels.Deliveries;

/// <summary>
/// The queue message of one delivery attempt: which channel's payload to deliver and where its sealed payload row is.
/// It names rows only; the payload itself never travels through the queue.
/// </summary>
public sealed record DeliveryMessage(
    [property: JsonPropertyName("appId")] string AppId,
    [property: JsonPropertyName("channelId")] string ChannelId,
    [property: JsonPropertyName("deliveryId")] string DeliveryId,
    [property: JsonPropertyName("partition")] string Partition,
    [property: JsonPropertyName("row")] string Row,
    [property: JsonPropertyName("attempt")] int Attempt)
{
    public string Serialize() => JsonSerializer.Serialize(this);

    /// <summary>The message, or null when the text is not one Shroud wrote.</summary>
    public static DeliveryMessage? TryParse(string? text)
    {
        try
        {
            var message = text is null ? null : JsonSerializer.Deserialize<DeliveryMessage>(text);
            return message is { AppId.Length: > 0, ChannelId.Length: > 0, Partition.Length: > 0, Row.Length: > 0, Attempt: > 0 }
                && DeliveryIds.IsValid(message.DeliveryId)
                ? message
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A message received from the delivery queue, with what deleting it needs and how often it was received.</summary>
public sealed record QueuedDelivery(string Text, string MessageId, string PopReceipt, long DequeueCount);

/// <summary>The delivery queue: an Azure Storage queue, consumed by the Functions queue trigger or the local host's listener.</summary>
public interface IDeliveryQueue
{
    /// <summary>Enqueues a message, visible after <paramref name="delay"/>.</summary>
    Task SendAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Receives up to <paramref name="maxMessages"/> messages, hidden from other receivers for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<QueuedDelivery>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken);

    Task DeleteAsync(QueuedDelivery message, CancellationToken cancellationToken);

    /// <summary>Moves a message whose handling kept failing to the poison queue (<c>{queue}-poison</c>, as the Functions queue trigger does).</summary>
    Task MoveToPoisonAsync(QueuedDelivery message, CancellationToken cancellationToken);
}
