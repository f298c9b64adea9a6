using System.Text.Json;
using Azure.Storage.Queues.Models;
using Shroud.FunctionsHostDriver;
using Shroud.FunctionsHostDriver.Rpc;

namespace Shroud.IntegrationTests.Functions;

/// <summary>The invocation the test Functions host sends for a queue message, compared with what the Functions host sends.</summary>
public sealed class QueueInvocationTests
{
    [Fact]
    public void The_message_text_is_the_string_input_and_the_queue_binding_data_is_the_trigger_metadata()
    {
        var inserted = new DateTimeOffset(2026, 12, 1, 5, 0, 0, TimeSpan.Zero);
        var message = QueuesModelFactory.QueueMessage(
            "message-1", "receipt-1", BinaryData.FromString("""{ "deliveryId": "d1" }"""), dequeueCount: 3,
            nextVisibleOn: inserted.AddMinutes(10), insertedOn: inserted, expiresOn: inserted.AddDays(7));
        var function = new WorkerFunction(new RpcFunctionMetadata
        {
            Name = "DeliverMessage",
            FunctionId = "f1",
            RawBindings = { """{ "name": "message", "direction": "In", "type": "queueTrigger", "dataType": "String", "queueName": "%Storage:DeliveryQueue%", "connection": "C" }""" },
        });

        var invocation = FunctionsHost.NewQueueInvocation(function, message);

        Assert.Equal("f1", invocation.FunctionId);
        var input = Assert.Single(invocation.InputData);
        Assert.Equal(("message", """{ "deliveryId": "d1" }"""), (input.Name, input.Data.String));
        var metadata = invocation.TriggerMetadata;
        Assert.Equal(input.Data.String, metadata["QueueTrigger"].String);
        Assert.Equal("message-1", metadata["Id"].String);
        Assert.Equal("receipt-1", metadata["PopReceipt"].String);
        Assert.Equal(3, JsonSerializer.Deserialize<long>(metadata["DequeueCount"].Json));
        Assert.Equal(inserted, JsonSerializer.Deserialize<DateTimeOffset>(metadata["InsertionTime"].Json));
        Assert.Equal(inserted.AddDays(7), JsonSerializer.Deserialize<DateTimeOffset>(metadata["ExpirationTime"].Json));
        Assert.Equal(inserted.AddMinutes(10), JsonSerializer.Deserialize<DateTimeOffset>(metadata["NextVisibleTime"].Json));
        Assert.NotEmpty(invocation.TraceContext.TraceParent);
    }
}
