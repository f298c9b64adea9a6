using Azure.Storage.Queues;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>The local host's queue listener, on its own queue in the shared Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryListenerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_message_received_more_than_five_times_goes_to_the_poison_queue_unhandled()
    {
        await using var factory = new ShroudFactory(azurite);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var queue = new QueueClient(azurite.ConnectionString, factory.Settings["Storage:DeliveryQueue"], options);
        var poison = new QueueClient(azurite.ConnectionString, factory.Settings["Storage:DeliveryQueue"] + "-poison", options);
        await queue.CreateIfNotExistsAsync();
        const string text = """{"appId":"no-app","channelId":"0123456789abcdef","deliveryId":"00000000000000000000000000000000","partition":"p","row":"r","attempt":1}""";
        await queue.SendMessageAsync(text);

        // Five receipts whose handling "failed" (the message was never deleted), before the host starts.
        for (var i = 0; i < 5; i++)
        {
            var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value;
            Assert.Single(received);
            await Task.Delay(1_100);
        }

        _ = factory.Services;
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await poison.PeekMessagesAsync()).Value.Length == 0)
        {
            Assert.True(DateTime.UtcNow < until, "The message never reached the poison queue.");
            await Task.Delay(200);
        }

        Assert.Equal(text, Assert.Single((await poison.PeekMessagesAsync(10)).Value).Body.ToString());
        Assert.Empty((await queue.PeekMessagesAsync(10)).Value);
    }
}
