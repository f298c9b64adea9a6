using Microsoft.Extensions.Logging;

namespace Shroud.Api.Channels;

/// <summary>
/// The consumer of the delivery queue: takes one queue message and delivers what it names to the channel's bot.
/// </summary>
/// <remarks>
/// PLACEHOLDER: this body only logs the message's length, never its content, so the queue function and the Functions
/// host driver can be wired and tested; the delivery itself (post with <c>Shroud-Signature</c>, retries, failed
/// deliveries) replaces it. The shape (namespace, name, <see cref="ProcessAsync"/>, a singleton registered by
/// <c>AddShroudApi</c>) is the contract the queue function relies on.
/// </remarks>
public sealed class DeliveryWorker(ILogger<DeliveryWorker> logger)
{
    /// <summary>Handles one message of the delivery queue, as the queue extension hands it over (Base64-decoded text).</summary>
    public Task ProcessAsync(string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        logger.LogInformation("Delivery message handled ({Length} characters)", message.Length);
        return Task.CompletedTask;
    }
}
