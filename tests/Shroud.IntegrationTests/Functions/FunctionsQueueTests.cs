using Azure.Storage.Queues;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>
/// The compiled Functions app's delivery queue function, driven the way the Functions host drives it: the listener
/// polls the queue the app setting names and invokes the function per message. The assertions are on the queue and on
/// the invocations' results, which hold for any consumer that returns normally for the message it is given.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsQueueTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>, IAsyncLifetime
{
    private const string FunctionName = "DeliverMessage";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private FunctionsHost host = null!;
    private QueueClient queue = null!;

    private QueueTriggerListener Listener => host.QueueListener(FunctionName);

    public async Task InitializeAsync()
    {
        host = await worker.StartAsync(azurite);
        queue = azurite.CreateQueueService().GetQueueClient(host.AppSettings["Storage__DeliveryQueue"]);
        await queue.CreateIfNotExistsAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void The_delivery_function_is_a_string_queue_trigger_on_the_queue_the_storage_setting_names_over_the_delivery_connection()
    {
        var function = host.Function(FunctionName);

        Assert.Equal("queueTrigger", function.TriggerType);
        Assert.Equal("%Storage:DeliveryQueue%", function.QueueName);
        Assert.Equal(FunctionsWorker.DeliveryQueueConnection, function.Connection);
        Assert.Equal("String", (string?)function.Trigger["dataType"]);
        Assert.Equal(host.AppSettings["Storage__DeliveryQueue"], host.ResolveBindingExpression(function.QueueName!));
        Assert.Equal(host.AppSettings["Storage__DeliveryQueue"], Listener.QueueName);
        Assert.Equal($"{Listener.QueueName}-poison", Listener.PoisonQueueName);
    }

    [Fact]
    public async Task A_message_on_the_delivery_queue_is_invoked_once_and_then_deleted()
    {
        var sent = (await queue.SendMessageAsync("""{ "deliveryId": "fx-queue-1" }""")).Value;

        var delivery = await Listener.WaitForAsync(d => d.MessageId == sent.MessageId, Patience);

        Assert.True(delivery.Invoked);
        Assert.True(delivery.Succeeded, $"The invocation failed; worker log:{Environment.NewLine}{host.RecentLog}");
        Assert.Equal(1, delivery.DequeueCount);
        Assert.Equal(QueueMessageOutcome.Deleted, delivery.Outcome);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.DoesNotContain("""{ "deliveryId": "fx-queue-1" }""", await PoisonedTextsAsync());
    }

    [Fact]
    public async Task A_burst_of_messages_is_invoked_in_batches_and_every_message_is_deleted()
    {
        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add((await queue.SendMessageAsync($$"""{ "deliveryId": "fx-burst-{{i}}" }""")).Value.MessageId);
        }

        var deliveries = await Task.WhenAll(ids.Select(id => Listener.WaitForAsync(d => d.MessageId == id, Patience)));

        Assert.All(deliveries, d => Assert.True(d.Succeeded && d.Outcome == QueueMessageOutcome.Deleted, $"{d}; worker log:{Environment.NewLine}{host.RecentLog}"));
        Assert.Equal(ids.Count, Listener.Deliveries.Count(d => ids.Contains(d.MessageId)));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_the_poison_queue_untried()
    {
        var raw = new QueueClient(azurite.ConnectionString, queue.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var sent = (await raw.SendMessageAsync("{ not: base64 }")).Value;

        var delivery = await Listener.WaitForAsync(d => d.MessageId == sent.MessageId, Patience);

        Assert.Equal(new QueueDelivery(sent.MessageId, 1, Invoked: false, Succeeded: false, QueueMessageOutcome.Poisoned), delivery);
        Assert.Contains("{ not: base64 }", await PoisonedTextsAsync());
    }

    /// <summary>
    /// The texts on the poison queue, Base64-decoded where they decode (an undecodable message is kept there as it came),
    /// none when the queue does not exist (the extension creates it on first use).
    /// </summary>
    private async Task<IReadOnlyList<string>> PoisonedTextsAsync()
    {
        var poison = new QueueClient(azurite.ConnectionString, Listener.PoisonQueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        if (!(await poison.ExistsAsync()).Value)
        {
            return [];
        }

        return [.. (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Select(text =>
        {
            var bytes = new byte[text.Length];
            return Convert.TryFromBase64String(text, bytes, out var length) ? System.Text.Encoding.UTF8.GetString(bytes, 0, length) : text;
        })];
    }
}
