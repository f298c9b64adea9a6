using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Events;
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
    public async Task An_ended_encryption_no_longer_applies_but_still_counts_for_a_message_received_while_it_was_on()
    {
        var configuration = await StartWithNewConfigurationAsync("ended-later");
        var states = Factory.Services.GetRequiredService<ConversationConfigurations>();
        var receivedAt = Factory.Clock.GetUtcNow();
        Factory.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/conversations/ended-later/encryption", Key)).Status);

        var (status, state, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/conversations/ended-later/encryption", Key);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(state!["encrypting"]!.GetValue<bool>());
        Assert.Null((await states.ForAsync(App, ["ended-later"], CancellationToken.None))["ended-later"]);

        // Judged late (a webhook's held fields), the message received before the end is sealed under the ended configuration.
        Assert.Equal("cards", (await states.ForAsync(App, ["ended-later"], CancellationToken.None, since: receivedAt))["ended-later"]?.Name);
        Assert.Null((await states.ForAsync(App, ["ended-later"], CancellationToken.None, since: Factory.Clock.GetUtcNow()))["ended-later"]);

        // Started again, it applies again; and a configuration used only by ended conversations can be deleted.
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/ended-later/encryption", Key, new { configurationId = configuration })).Status);
        Assert.NotNull((await states.ForAsync(App, ["ended-later"], CancellationToken.None))["ended-later"]);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/conversations/ended-later/encryption", Key)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/configurations/{configuration}", Key)).Status);
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
