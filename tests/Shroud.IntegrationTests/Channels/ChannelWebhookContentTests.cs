using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// A verified webhook is never refused for its content (a channel retries a 4xx and may turn the webhook off): values too
/// large or too many are delivered redacted, an unreadable body is answered 200 with nothing delivered. Also the
/// idempotency keys of channels whose calls share a message id.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChannelWebhookContentTests(AzuriteFixture azurite)
    : ChannelWebhookTestBase(azurite, new Dictionary<string, string?> { ["Shroud:MaxValueBytes"] = MaxValueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) })
{
    private const int MaxValueBytes = 64;
    private const string SlackSecret = "slack-signing-secret-c41d";
    private const string TelegramToken = "telegram-secret-token-5b20";

    [Fact]
    public async Task A_value_over_the_size_limit_is_delivered_as_a_truncated_marker_and_the_rest_is_sealed()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });
        var secret = "my card is 4111 1111 1111 1111 " + new string('x', MaxValueBytes);
        var body = $$$"""{"update_id":901,"message":{"message_id":1,"chat":{"id":4242},"from":{"id":4242,"is_bot":false},"text":"{{{secret}}}","caption":"small"}}""";

        using var response = await PostAsync(Http, path, body, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1);
        var delivered = Assert.Single(Bot.Requests);
        Assert.DoesNotContain("4111", Encoding.UTF8.GetString(delivered.Body), StringComparison.Ordinal);
        var message = JsonNode.Parse(delivered.Body)!["message"]!;
        AssertTruncated(message["text"]);
        Assert.Equal("small", await DecryptAsync(message["caption"]));
    }

    [Fact]
    public async Task Values_past_the_count_limit_are_delivered_as_truncated_markers()
    {
        await CreateConfigurationAsync("seal everything", asDefault: true);
        var (_, path, _) = await CreateChannelAsync("slack", new { signingSecret = SlackSecret });

        // 170 files of 6 sealed fields each: 1020 values, 20 over the limit of 1000.
        var files = new JsonArray(Enumerable.Range(0, 170).Select(i => (JsonNode)new JsonObject
        {
            ["name"] = $"n{i}", ["title"] = $"t{i}", ["url_private"] = $"u{i}", ["url_private_download"] = $"d{i}", ["permalink"] = $"p{i}", ["permalink_public"] = $"q{i}",
        }).ToArray());
        var body = new JsonObject
        {
            ["type"] = "event_callback",
            ["event_id"] = "EvMANY",
            ["event"] = new JsonObject { ["type"] = "message", ["channel"] = "C9", ["files"] = files },
        }.ToJsonString();

        using var response = await PostAsync(Http, path, body, "application/json", SlackHeaders(SlackSecret, Now, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForBotAsync(1, seconds: 60);
        var fields = JsonNode.Parse(Assert.Single(Bot.Requests).Body)!["event"]!["files"]!.AsArray()
            .SelectMany(f => f!.AsObject().Select(p => p.Value)).ToList();
        Assert.Equal(1020, fields.Count);
        Assert.Equal(1000, fields.Count(IsSealed));
        Assert.Equal(20, fields.Count(f => f is JsonObject o && o["truncated"] is not null));
        Assert.All(fields.Where(f => !IsSealed(f)), AssertTruncated);
        Assert.Equal("n0", await DecryptAsync(fields[0]));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"update_id\":1,")]
    [InlineData("{\"update_id\":2,\"message\":{\"chat\":{\"id\":1},\"text\":\"\\ud800\"}}")]
    public async Task A_verified_body_that_is_not_a_json_object_is_answered_200_and_nothing_is_stored_or_delivered(string body)
    {
        var (_, path, _) = await CreateChannelAsync("telegram", new { secretToken = TelegramToken });

        using var response = await PostAsync(Http, path, body, "application/json", ("X-Telegram-Bot-Api-Secret-Token", TelegramToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await PayloadRowsAsync());
        Assert.Equal(0, await CountRowsAsync("deliveries"));
        Assert.Empty(Bot.Requests);
    }

    [Fact]
    public async Task Twilio_status_callbacks_of_one_message_are_each_delivered_and_a_retry_of_one_is_not()
    {
        const string url = "https://shroud.example.com/twilio-status";
        var (_, path, _) = await CreateChannelAsync("twilio", new { authToken = "twilio-auth-token-2" }, publicUrl: url);
        string[] statuses = ["sent", "delivered", "read", "read"];

        foreach (var status in statuses)
        {
            (string, string)[] parameters = [("MessageSid", "SM0123456789abcdef0123456789abcd01"), ("MessageStatus", status), ("SmsStatus", status), ("To", "+14155550100")];
            using var response = await PostAsync(Http, path, Form(parameters), "application/x-www-form-urlencoded", TwilioHeaders("twilio-auth-token-2", url, parameters));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitForAsync(async () => await PayloadRowsAsync() == 0 && Bot.Requests.Count >= 3, "every status callback to be handled");
        Assert.Equal(["delivered", "read", "sent"], Bot.Requests.Select(r => JsonNode.Parse(r.Body)!["MessageStatus"]!.GetValue<string>()).Order());
    }

    private static void AssertTruncated(JsonNode? node)
    {
        var marker = Assert.IsType<JsonObject>(node);
        Assert.True(marker.ContainsKey("$shroud"));
        Assert.Null(marker["$shroud"]);
        Assert.Equal("★★★★★", marker["redacted"]!.GetValue<string>());
        Assert.True(marker["truncated"]!.GetValue<bool>());
        Assert.Equal(3, marker.Count);
    }
}
