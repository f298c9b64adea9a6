using System.Net;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

[Collection(AzuriteCollection.Name)]
public sealed class ChatEventsTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "configure", "encrypt", "decrypt")
{
    private const string App = "events-app";
    private string agentsConfiguration = null!;
    private string transportConfiguration = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        agentsConfiguration = await CreateConfigurationAsync(new { name = "agents", encryptAgentMessages = true, sensitiveVariables = new[] { "email" }, ttl = "PT1H" });
        transportConfiguration = await CreateConfigurationAsync(new { name = "transport", transport = true });
    }

    private async Task<string> CreateConfigurationAsync(object body)
    {
        var (status, json, _) = await Client.PostAsync($"/api/apps/{App}/configurations", Key, body);
        Assert.Equal(HttpStatusCode.Created, status);
        return json!["id"]!.GetValue<string>();
    }

    private static JsonObject Message(string conversationId, string userType, string text, JsonObject? variables = null) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["conversationId"] = conversationId,
        ["type"] = "message",
        ["user"] = new JsonObject { ["type"] = userType, ["id"] = "u-1" },
        ["threadMode"] = "agent",
        ["text"] = text,
        ["variables"] = variables,
        ["channel"] = "whatsapp",
    };

    private async Task<JsonNode> SealAsync(JsonNode events, string? withKey = null)
    {
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/events", withKey ?? Key, events.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"events answered {status}: {body?.ToJsonString()}");
        return body!;
    }

    private async Task<JsonNode> RevealAsync(JsonNode events, string withKey)
    {
        var (status, body, _) = await Client.PostAsync($"/api/apps/{App}/events/reveal", withKey, events.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"reveal answered {status}: {body?.ToJsonString()}");
        return body!;
    }

    private static string[] Paths(JsonNode chatEvent) => chatEvent["sealedPaths"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray();

    [Fact]
    public async Task Without_any_configuration_only_flagged_events_and_requested_variables_are_sealed()
    {
        var plain = Message("c-none", "agent", "hello");
        var flagged = Message("c-none", "user", "my card is 4111", new JsonObject { ["plan"] = "gold" });
        flagged["sensitive"] = true;
        var asked = Message("c-none", "bot", "noted", new JsonObject { ["ssn"] = "078-05-1120", ["plan"] = "gold" });
        asked["encryptVariables"] = new JsonArray("ssn");

        var result = (await SealAsync(new JsonArray(plain, flagged, asked))).AsArray();

        Assert.Empty(Paths(result[0]!));
        Assert.Equal("hello", result[0]!["text"]!.GetValue<string>());
        Assert.Equal(["text", "variables.plan"], Paths(result[1]!));
        Assert.Equal(["variables.ssn"], Paths(result[2]!));
        Assert.Equal("gold", result[2]!["variables"]!["plan"]!.GetValue<string>());
        Assert.Equal("★★★★★", result[2]!["variables"]!["ssn"]!["redacted"]!.GetValue<string>());
        Assert.StartsWith("shr1.", result[2]!["variables"]!["ssn"]!["$shroud"]!.GetValue<string>());
        Assert.Equal("whatsapp", result[1]!["channel"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_default_configuration_applies_until_a_conversation_starts_its_own_and_again_once_it_ends()
    {
        await Client.SendAsync(HttpMethod.Patch, $"/api/apps/{App}", Key, new { defaultConfigurationId = agentsConfiguration });
        var conversation = $"/api/apps/{App}/conversations/c-42/encryption";

        var byDefault = await SealAsync(Message("c-42", "agent", "hi, I am Ann", new JsonObject { ["email"] = "jane@example.com", ["plan"] = "gold" }));
        Assert.Equal(["text", "variables.email", "variables.plan"], Paths(byDefault));

        var started = await Client.SendAsync(HttpMethod.Put, conversation, Key, new { configurationId = transportConfiguration });
        Assert.Equal(HttpStatusCode.OK, started.Status);
        Assert.True(started.Body!["encrypting"]!.GetValue<bool>());
        var state = await Client.SendAsync(HttpMethod.Get, conversation, Key);
        Assert.Equal(transportConfiguration, state.Body!["configurationId"]!.GetValue<string>());

        var agentMessage = await SealAsync(Message("c-42", "agent", "hi again"));
        Assert.Empty(Paths(agentMessage));
        var transport = new JsonObject
        {
            ["id"] = "t1", ["conversationId"] = "c-42", ["type"] = "http", ["user"] = new JsonObject { ["type"] = "system" },
            ["payload"] = new JsonObject { ["headers"] = new JsonObject { ["authorization"] = "secret" }, ["status"] = 200 },
        };
        Assert.Equal(["payload"], Paths(await SealAsync(transport)));

        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, conversation, Key)).Status);
        Assert.False((await Client.SendAsync(HttpMethod.Get, conversation, Key)).Body!["encrypting"]!.GetValue<bool>());
        Assert.Equal(["text"], Paths(await SealAsync(Message("c-42", "agent", "back to the default"))));
    }

    [Fact]
    public async Task Starting_encryption_needs_an_existing_configuration()
    {
        var problem = ShroudClient.AssertProblem(
            await Client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/c-1/encryption", Key, new { configurationId = "0123456789abcdef" }),
            HttpStatusCode.BadRequest,
            "validation_failed");
        Assert.NotNull(problem["errors"]!["configurationId"]);
    }

    [Fact]
    public async Task Revealing_gives_plaintext_to_decrypt_keys_and_the_redaction_text_to_others()
    {
        await Client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/c-7/encryption", Key, new { configurationId = agentsConfiguration });
        var response = new JsonObject
        {
            ["id"] = "r1", ["conversationId"] = "c-7", ["type"] = "component_response", ["user"] = new JsonObject { ["type"] = "bot" },
            ["sensitive"] = true, ["payload"] = new JsonObject { ["iban"] = "DE89 3704 0044 0532 0130 00", ["amount"] = 12.5 },
        };
        var sealedEvents = await SealAsync(new JsonArray(Message("c-7", "agent", "call me at +1 555 0100"), response));
        // Whole plaintexts: short digit runs can occur by chance in random ids and base64url references.
        Assert.DoesNotContain("3704 0044 0532", sealedEvents.ToJsonString());
        Assert.DoesNotContain("555 0100", sealedEvents.ToJsonString());

        var revealed = (await RevealAsync(sealedEvents.DeepClone(), Key)).AsArray();
        Assert.Equal("call me at +1 555 0100", revealed[0]!["text"]!.GetValue<string>());
        Assert.Equal("DE89 3704 0044 0532 0130 00", revealed[1]!["payload"]!["iban"]!.GetValue<string>());
        Assert.Equal(12.5, revealed[1]!["payload"]!["amount"]!.GetValue<double>());

        var integration = await Client.CreateKeyAsync(App, "encrypt");
        var redacted = (await RevealAsync(sealedEvents.DeepClone(), integration)).AsArray();
        Assert.Equal("★★★★★", redacted[0]!["text"]!.GetValue<string>());
        Assert.Equal("★★★★★", redacted[1]!["payload"]!.GetValue<string>());

        Factory.Clock.Advance(TimeSpan.FromHours(2));
        var expired = (await RevealAsync(sealedEvents.DeepClone(), Key)).AsArray();
        Assert.Equal("★★★★★", expired[0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task All_values_of_a_request_are_written_in_one_transaction()
    {
        var events = new JsonArray(Enumerable.Range(0, 20).Select(i =>
        {
            var e = Message("c-batch", "user", $"message {i}", new JsonObject { ["email"] = $"user{i}@example.com" });
            e["sensitive"] = true;
            return (JsonNode)e;
        }).ToArray());
        await SealAsync(Message("c-warm", "user", "warm up the caches"));

        Factory.StorageRequests.Reset();
        var result = await SealAsync(events);

        Assert.Equal(40, result.AsArray().Sum(e => Paths(e!).Length));
        var requests = Factory.StorageRequests.Requests;
        Assert.Single(requests, r => r.StartsWith("POST", StringComparison.Ordinal));
        Assert.Single(requests, r => r.StartsWith("GET", StringComparison.Ordinal) && r.Contains("conversations", StringComparison.Ordinal));
        Assert.Equal(2, requests.Count);
    }

    [Theory]
    [InlineData("{\"id\": \"1\", \"conversationId\": \"c\", \"type\": \"message\"}", "user")]
    [InlineData("{\"id\": \"1\", \"conversationId\": \"c\", \"type\": \"chat\", \"user\": {\"type\": \"user\"}}", "type")]
    [InlineData("[{\"id\": \"1\", \"conversationId\": \"c\", \"type\": \"message\", \"user\": {\"type\": \"user\"}}, {\"id\": \"2\", \"conversationId\": \"c\", \"type\": \"message\", \"user\": {\"type\": \"robot\"}}]", "[1].user.type")]
    [InlineData("{\"id\": \"1\", \"conversationId\": \"c/d\", \"type\": \"message\", \"user\": {\"type\": \"user\"}}", "conversationId")]
    [InlineData("{\"id\": \"1\", \"conversationId\": \"c\", \"type\": \"message\", \"user\": {\"type\": \"user\"}, \"text\": 5}", "text")]
    [InlineData("{\"id\": \"1\", \"conversationId\": \"c\", \"type\": \"message\", \"user\": {\"type\": \"user\"}, \"sensitive\": \"yes\"}", "sensitive")]
    [InlineData("[]", "events")]
    public async Task Malformed_events_are_problems_naming_the_field(string body, string field)
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/events", Key, body), HttpStatusCode.BadRequest, "validation_failed");

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task Events_need_the_encrypt_permission_and_reveal_any_key_of_the_app()
    {
        var configureOnly = await Client.CreateKeyAsync(App, "configure");

        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/events", configureOnly, Message("c", "user", "x").ToJsonString()), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/events/reveal", null, "{}"), HttpStatusCode.Unauthorized, "unauthorized");
        var flagged = Message("c", "user", "my card is 4111 1111 1111 1111");
        flagged["sensitive"] = true;
        var sealedEvent = await SealAsync(flagged);
        Assert.Equal(["text"], Paths(sealedEvent));
        Assert.DoesNotContain("4111", sealedEvent.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal("★★★★★", (await RevealAsync(sealedEvent.DeepClone(), configureOnly))["text"]!.GetValue<string>());
        Assert.Equal("my card is 4111 1111 1111 1111", (await RevealAsync(sealedEvent.DeepClone(), Key))["text"]!.GetValue<string>());
    }
}
