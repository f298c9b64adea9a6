using System.Net;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>Deliveries to a bot that is down for a while: retries, at least once, the failed list and retrying by hand, and the sweep.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryTests(AzuriteFixture azurite) : ChannelWebhookTestBase(azurite, new Dictionary<string, string?>
{
    ["Channels:DeliveryRetryDelay"] = "00:00:01",
    ["Channels:DeliveryMaxAttempts"] = "6",
})
{
    private const string Token = "telegram-secret-token-5f10";

    private static string Update(long updateId, string text) =>
        $$$"""{"update_id":{{{updateId}}},"message":{"message_id":{{{updateId}}},"from":{"id":77,"is_bot":false},"chat":{"id":77,"type":"private"},"text":"{{{text}}}"}}""";

    private async Task<HttpStatusCode> SendAsync(string path, long updateId)
    {
        using var response = await PostAsync(Http, path, Update(updateId, $"message {updateId}"), "application/json", ("X-Telegram-Bot-Api-Secret-Token", Token));
        return response.StatusCode;
    }

    [Fact]
    public async Task Every_webhook_sent_while_the_bot_is_down_arrives_once_it_is_back()
    {
        const int count = 200;
        var (_, path, forwardSecret) = await CreateChannelAsync("telegram", new { secretToken = Token });
        Bot.Respond = _ => (503, null);

        var statuses = new HttpStatusCode[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) => statuses[i] = await SendAsync(path, 100_000 + i));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));

        // Down until every webhook has been attempted at least once and refused.
        await WaitForBotAsync(count, seconds: 60);
        var refused = Bot.Requests.Count;
        Bot.Respond = _ => (200, null);

        await WaitForAsync(() => Task.FromResult(Accepted().Count == count), $"{count} distinct deliveries accepted by the bot", seconds: 120);
        var accepted = Accepted();
        Assert.All(Bot.Requests, r => Assert.True(SignatureVerifies(r, forwardSecret)));

        // One delivery id per message, whichever attempt carried it.
        var idsByUpdate = Bot.Requests.GroupBy(r => JsonNode.Parse(r.Body)!["update_id"]!.GetValue<long>()).ToDictionary(g => g.Key, g => g.Select(r => r.Headers["Shroud-Delivery-Id"]).Distinct().ToList());
        Assert.Equal(count, idsByUpdate.Count);
        Assert.All(idsByUpdate.Values, ids => Assert.Single(ids));
        Assert.True(refused >= count);
        Assert.Equal(count, accepted.Count);
        await WaitForAsync(async () => await PayloadRowsAsync() == 0, "every payload row to be deleted");
    }

    [Fact]
    public async Task A_delivery_failing_every_attempt_is_listed_as_failed_and_sent_again_on_retry()
    {
        var (channelId, path, _) = await CreateChannelAsync("telegram", new { secretToken = Token });
        var deliveries = $"/api/apps/{App}/channels/{channelId}/deliveries";
        Bot.Respond = _ => (500, null);

        Assert.Equal(HttpStatusCode.OK, await SendAsync(path, 1));
        JsonNode? failed = null;
        await WaitForAsync(async () => (failed = (await Client.SendAsync(HttpMethod.Get, deliveries + "?status=failed", Key)).Body!["items"]!.AsArray().SingleOrDefault()) is not null, "the delivery to fail", seconds: 90);
        Assert.Equal(6, Bot.Requests.Count);
        Assert.Equal(6, failed!["attempts"]!.GetValue<int>());
        Assert.Equal(500, failed["lastStatusCode"]!.GetValue<int>());
        var deliveryId = failed["deliveryId"]!.GetValue<string>();

        Bot.Respond = _ => (200, null);
        var retried = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{deliveryId}/retry", Key);

        Assert.Equal(HttpStatusCode.Accepted, retried.Status);
        Assert.Equal("pending", retried.Body!["status"]!.GetValue<string>());
        await WaitForBotAsync(7);
        await WaitForAsync(async () => (await Client.SendAsync(HttpMethod.Get, deliveries + "?status=delivered", Key)).Body!["items"]!.AsArray().Count == 1, "the retry to be delivered");
        Assert.Empty((await Client.SendAsync(HttpMethod.Get, deliveries + "?status=failed", Key)).Body!["items"]!.AsArray());
        Assert.Equal(deliveryId, Bot.Requests.Last().Headers["Shroud-Delivery-Id"]);

        var again = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{deliveryId}/retry", Key);
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Equal("delivery_not_failed", again.Body!["code"]!.GetValue<string>());
        var unknown = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{new string('0', 32)}/retry", Key);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("delivery_not_found", unknown.Body!["code"]!.GetValue<string>());

        var (_, audit, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?action=delivery.retry", ShroudFactory.BootstrapKey);
        Assert.Equal(deliveryId, Assert.Single(audit!["items"]!.AsArray())!["target"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_delivery_left_pending_untouched_for_an_hour_can_be_retried_by_hand()
    {
        var (channelId, path, _) = await CreateChannelAsync("telegram", new { secretToken = Token });
        var deliveries = $"/api/apps/{App}/channels/{channelId}/deliveries";
        Assert.Equal(HttpStatusCode.OK, await SendAsync(path, 31));
        await WaitForBotAsync(1);
        JsonNode? delivered = null;
        await WaitForAsync(async () => (delivered = (await Client.SendAsync(HttpMethod.Get, deliveries + "?status=delivered", Key)).Body!["items"]!.AsArray().SingleOrDefault()) is not null, "the delivery");
        var deliveryId = delivered!["deliveryId"]!.GetValue<string>();

        // As a delivery whose queue message ran out of receipts while storage was down: pending, and nothing queued.
        var table = Factory.Table("deliveries");
        var row = table.Query<Azure.Data.Tables.TableEntity>(e => e.RowKey == deliveryId).Single();
        row["Status"] = "pending";
        await table.UpdateEntityAsync(row, row.ETag);

        var early = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{deliveryId}/retry", Key);
        Assert.Equal("delivery_not_failed", early.Body!["code"]!.GetValue<string>());

        Factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        var retried = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{deliveryId}/retry", Key);

        Assert.Equal(HttpStatusCode.Accepted, retried.Status);
        Assert.Equal("pending", retried.Body!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_delivery_whose_payload_expired_cannot_be_retried_and_the_sweep_removes_it()
    {
        var (channelId, path, _) = await CreateChannelAsync("telegram", new { secretToken = Token });
        var deliveries = $"/api/apps/{App}/channels/{channelId}/deliveries";
        Bot.Respond = _ => (500, null);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(path, 2));
        string? deliveryId = null;
        await WaitForAsync(async () => (deliveryId = (await Client.SendAsync(HttpMethod.Get, deliveries, Key)).Body!["items"]!.AsArray().SingleOrDefault()?["deliveryId"]?.GetValue<string>()) is not null, "the delivery to fail", seconds: 90);

        Factory.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(2));
        var expired = await Client.SendAsync(HttpMethod.Post, $"{deliveries}/{deliveryId}/retry", Key);

        Assert.Equal(HttpStatusCode.Gone, expired.Status);
        Assert.Equal("delivery_expired", expired.Body!["code"]!.GetValue<string>());
        Assert.Equal(1, await CountRowsAsync("deliveries", r => !r.PartitionKey.StartsWith('~')));

        var (status, report, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, report!["deliveriesDeleted"]!.GetValue<int>());
        Assert.Equal(0, await CountRowsAsync("deliveries"));
        Assert.Equal(0, await CountRowsAsync("records"));
        Assert.Empty((await Client.SendAsync(HttpMethod.Get, deliveries, Key)).Body!["items"]!.AsArray());
    }

    [Fact]
    public async Task The_sweep_keeps_deliveries_still_needed_to_tell_duplicates_apart()
    {
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken = Token });
        Assert.Equal(HttpStatusCode.OK, await SendAsync(path, 3));
        await WaitForBotAsync(1);
        await WaitForAsync(async () => await PayloadRowsAsync() == 0, "the delivery to finish");

        Factory.Clock.Advance(TimeSpan.FromHours(23));
        var (_, early, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
        Assert.Equal(0, early!["deliveriesDeleted"]!.GetValue<int>());

        // The channel sends the same update again within the day: answered, not delivered again.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(path, 3));
        await WaitForAsync(async () => await PayloadRowsAsync() == 0, "the copy to be dropped");
        Assert.Single(Bot.Requests);

        Factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2));
        var (_, late, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
        Assert.Equal(1, late!["deliveriesDeleted"]!.GetValue<int>());
    }

    private List<string> Accepted() =>
        Bot.Requests.Where(r => r.Status == 200).Select(r => r.Headers["Shroud-Delivery-Id"]).Distinct().ToList();
}
