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
        Assert.False((await PoisonQueue.ExistsAsync()).Value);
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

    private QueueClient PoisonQueue => azurite.CreateQueueService().GetQueueClient(Listener.PoisonQueueName);
}
