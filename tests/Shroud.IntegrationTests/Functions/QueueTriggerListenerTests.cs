using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Shroud.FunctionsHostDriver;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>
/// The test Functions host's queue listener on its own, against Azurite, with invocations the test decides: how a
/// failing message is retried and poisoned, which no consumer can be relied on to show.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueTriggerListenerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly QueueTriggerOptions Quick = new() { MaxDequeueCount = 3, VisibilityTimeout = TimeSpan.Zero, MaxPollingInterval = TimeSpan.FromMilliseconds(200) };

    private readonly ConcurrentQueue<(string Text, long DequeueCount)> invocations = new();
    private QueueClient queue = null!;
    private QueueClient poisonQueue = null!;

    public async Task InitializeAsync()
    {
        var service = azurite.CreateQueueService();
        queue = service.GetQueueClient(azurite.UniqueName("listener"));
        poisonQueue = service.GetQueueClient(queue.Name + "-poison");
        await queue.CreateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_failed_invocation_makes_the_message_reappear_with_a_higher_dequeue_count_until_one_succeeds()
    {
        await using var listener = Start(Quick, dequeueCount => dequeueCount >= 3);
        var id = (await queue.SendMessageAsync("flaky")).Value.MessageId;

        var last = await listener.WaitForAsync(d => d.MessageId == id && d.Outcome != QueueMessageOutcome.Released, Patience);

        Assert.Equal(QueueMessageOutcome.Deleted, last.Outcome);
        Assert.Equal([(1L, QueueMessageOutcome.Released), (2L, QueueMessageOutcome.Released), (3L, QueueMessageOutcome.Deleted)],
            listener.Deliveries.Where(d => d.MessageId == id).Select(d => (d.DequeueCount, d.Outcome)));
        Assert.Equal([("flaky", 1L), ("flaky", 2L), ("flaky", 3L)], invocations);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.False((await poisonQueue.ExistsAsync()).Value);
    }

    [Fact]
    public async Task A_message_failing_max_dequeue_count_times_moves_to_the_poison_queue_with_its_text()
    {
        await using var listener = Start(Quick, _ => false);
        var id = (await queue.SendMessageAsync("always fails")).Value.MessageId;

        var last = await listener.WaitForAsync(d => d.MessageId == id && d.Outcome == QueueMessageOutcome.Poisoned, Patience);

        Assert.Equal(3, last.DequeueCount);
        Assert.Equal([1L, 2L, 3L], invocations.Select(i => i.DequeueCount));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var poisoned = Assert.Single((await poisonQueue.ReceiveMessagesAsync(32)).Value);
        Assert.Equal("always fails", poisoned.Body.ToString());
    }

    [Fact]
    public async Task A_failed_message_stays_invisible_for_the_visibility_timeout()
    {
        await using var listener = Start(Quick with { VisibilityTimeout = TimeSpan.FromMinutes(10) }, _ => false);
        var id = (await queue.SendMessageAsync("later")).Value.MessageId;

        var released = await listener.WaitForAsync(d => d.MessageId == id, Patience);

        Assert.Equal(QueueMessageOutcome.Released, released.Outcome);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
        Assert.Single(invocations);
    }

    [Fact]
    public async Task A_message_already_dequeued_more_often_than_the_maximum_goes_to_the_poison_queue_untried()
    {
        var id = (await queue.SendMessageAsync("worn out")).Value.MessageId;
        for (var i = 0; i < 2; i++)
        {
            // Another consumer takes it and lets it go: each receive counts.
            var taken = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value);
            await queue.UpdateMessageAsync(taken.MessageId, taken.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        await using var listener = Start(Quick with { MaxDequeueCount = 2 }, _ => true);
        var delivery = await listener.WaitForAsync(d => d.MessageId == id, Patience);

        Assert.Equal(new QueueDelivery(id, 3, Invoked: false, Succeeded: false, QueueMessageOutcome.Poisoned), delivery);
        Assert.Empty(invocations);
        Assert.Equal("worn out", Assert.Single((await poisonQueue.ReceiveMessagesAsync(32)).Value).Body.ToString());
    }

    [Fact]
    public async Task An_invocation_that_throws_counts_as_a_failure()
    {
        await using var listener = Start(Quick with { MaxDequeueCount = 1 }, _ => throw new InvalidOperationException("worker gone"));
        var id = (await queue.SendMessageAsync("thrown")).Value.MessageId;

        var delivery = await listener.WaitForAsync(d => d.MessageId == id, Patience);

        Assert.Equal(new QueueDelivery(id, 1, Invoked: true, Succeeded: false, QueueMessageOutcome.Poisoned), delivery);
    }

    [Fact]
    public async Task A_body_that_is_not_base64_goes_to_the_poison_queue_as_it_is_without_an_invocation()
    {
        await using var listener = QueueTriggerListener.Create(azurite.ConnectionString, queue.Name, Quick, (message, _) =>
        {
            invocations.Enqueue((message.Body.ToString(), message.DequeueCount));
            return Task.FromResult(true);
        });
        listener.Start();
        var raw = new QueueClient(azurite.ConnectionString, queue.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var rawPoison = new QueueClient(azurite.ConnectionString, poisonQueue.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var id = (await raw.SendMessageAsync("plain text, not base64!")).Value.MessageId;
        var good = (await queue.SendMessageAsync("encoded")).Value.MessageId;

        var delivery = await listener.WaitForAsync(d => d.MessageId == id, Patience);
        await listener.WaitForAsync(d => d.MessageId == good, Patience);

        Assert.Equal(new QueueDelivery(id, 1, Invoked: false, Succeeded: false, QueueMessageOutcome.Poisoned), delivery);
        Assert.Equal([("encoded", 1L)], invocations);
        Assert.Equal("plain text, not base64!", Assert.Single((await rawPoison.ReceiveMessagesAsync(32)).Value).Body.ToString());
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Options_come_from_host_json_extensions_queues_and_app_settings_override_them()
    {
        var folder = Directory.CreateTempSubdirectory("shroud-host-json-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "host.json"), """
                { "version": "2.0", "extensions": { "queues": { "batchSize": 4, "maxDequeueCount": 7, "visibilityTimeout": "00:00:30", "messageEncoding": "none" } } }
                """);

            var options = QueueTriggerOptions.Read(folder, new Dictionary<string, string> { ["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "2" });

            Assert.Equal(new QueueTriggerOptions
            {
                BatchSize = 4, NewBatchThreshold = 2, MaxDequeueCount = 2, VisibilityTimeout = TimeSpan.FromSeconds(30),
                MaxPollingInterval = TimeSpan.FromMinutes(1), MessageEncoding = QueueMessageEncoding.None,
            }, options);
            Assert.Equal(new QueueTriggerOptions(), QueueTriggerOptions.Read(folder + "-missing", new Dictionary<string, string>()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A listener whose invocations record the message and succeed when <paramref name="succeeds"/> says so for its dequeue count.</summary>
    private QueueTriggerListener Start(QueueTriggerOptions options, Func<long, bool> succeeds)
    {
        var listener = new QueueTriggerListener(queue, poisonQueue, options, (message, _) =>
        {
            invocations.Enqueue((message.Body.ToString(), message.DequeueCount));
            return Task.FromResult(succeeds(message.DequeueCount));
        });
        listener.Start();
        return listener;
    }
}
