using System.Net;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

/// <summary>Sealing never falls back to weaker rules when a conversation's configuration is not in an instance's cache.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConfigurationUseTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "configure", "encrypt")
{
    private const string App = "config-use-app";

    private static JsonObject UserMessage(string conversationId, string text) => new()
    {
        ["id"] = Guid.NewGuid().ToString("N"),
        ["conversationId"] = conversationId,
        ["type"] = "message",
        ["user"] = new JsonObject { ["type"] = "user" },
        ["threadMode"] = "bot",
        ["text"] = text,
        ["variables"] = new JsonObject { ["plan"] = "gold" },
    };

    private static async Task<JsonNode> SealAsync(ShroudClient client, string key, JsonNode chatEvent)
    {
        var (status, body, _) = await client.PostAsync($"/api/apps/{App}/events", key, chatEvent.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, $"events answered {status}: {body?.ToJsonString()}");
        return body!;
    }

    private static string[] Paths(JsonNode chatEvent) => chatEvent["sealedPaths"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray();

    private async Task<string> StartWithNewConfigurationAsync(string conversationId)
    {
        var (created, configuration, _) = await Client.PostAsync($"/api/apps/{App}/configurations", Key, new { name = "cards", encryptUserMessages = true });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = configuration!["id"]!.GetValue<string>();
        var started = await Client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/{conversationId}/encryption", Key, new { configurationId = id });
        Assert.Equal(HttpStatusCode.OK, started.Status);
        return id;
    }

    [Fact]
    public async Task An_event_right_after_encryption_started_on_another_instance_is_sealed_under_its_configuration()
    {
        await using var other = Factory.Sibling();
        var otherClient = new ShroudClient(other.CreateClient());
        Assert.Empty(Paths(await SealAsync(otherClient, Key, UserMessage("c-warm", "loads the app into the other instance's cache"))));

        await StartWithNewConfigurationAsync("c-1");
        var sealedEvent = await SealAsync(otherClient, Key, UserMessage("c-1", "my card 4111 1111 1111 1111"));

        Assert.Equal(["text", "variables.plan"], Paths(sealedEvent));
        Assert.DoesNotContain("4111", sealedEvent.ToJsonString());
    }

    [Fact]
    public async Task A_configuration_a_conversation_uses_cannot_be_deleted_until_the_conversation_ends()
    {
        var id = await StartWithNewConfigurationAsync("c-2");

        var refused = await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/configurations/{id}", Key);

        ShroudClient.AssertProblem(refused, HttpStatusCode.Conflict, "configuration_in_use");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/conversations/c-2/encryption", Key)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/configurations/{id}", Key)).Status);
    }

    [Fact]
    public async Task A_conversation_whose_configuration_is_gone_anyway_is_sealed_under_the_strictest_rules()
    {
        var id = await StartWithNewConfigurationAsync("c-3");

        // As if a delete had raced the conversation's start: the configuration row is gone, the conversation still names it.
        await Factory.Table("apps").DeleteEntityAsync(App, "cfg-" + id);
        await using var other = Factory.Sibling();
        var otherClient = new ShroudClient(other.CreateClient());
        var fromBot = UserMessage("c-3", "your card 4111 is saved");
        fromBot["user"] = new JsonObject { ["type"] = "bot" };
        fromBot["type"] = "variable";
        fromBot["payload"] = new JsonObject { ["card"] = "4111" };
        var sealedEvent = await SealAsync(otherClient, Key, fromBot);

        Assert.Equal(["text", "payload", "variables.plan"], Paths(sealedEvent));
        Assert.DoesNotContain("4111", sealedEvent.ToJsonString());
    }
}
