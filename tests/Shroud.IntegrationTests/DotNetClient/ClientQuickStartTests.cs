using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.Client;
using Shroud.IntegrationTests.Deployment;
using Shroud.IntegrationTests.Infrastructure;
using ShroudClient = Shroud.Client.ShroudClient;

namespace Shroud.IntegrationTests.DotNetClient;

/// <summary>The README's .NET client quick start, run line for line against the local host.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ClientQuickStartTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_quick_start_registers_the_client_seals_and_reveals_a_value_and_redacts_an_event_for_a_log()
    {
        await using var host = await ClientHost.StartAsync(azurite, "acme-support");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Shroud:ApiKey"] = await host.Raw.CreateKeyAsync("acme-support", "encrypt", "decrypt") })
            .Build();
        var services = new ServiceCollection();
        var logs = new LogCapture();
        services.AddLogging(logging => logging.AddProvider(logs));
        const string body = """{ "id": "evt-1", "conversationId": "conv-1", "type": "message", "user": { "type": "user" }, "sensitive": true, "text": "My email is jane@example.com" }""";

        // --- README: .NET client ---
        services.AddShroudClient(o =>
        {
            o.BaseAddress = new Uri("https://shroud.example.com/");
            o.ApiKey = configuration["Shroud:ApiKey"];
            o.AppId = "acme-support";
        });
        // --- end of the registration ---

        // The test host listens on loopback, not at the README's address.
        services.PostConfigure<ShroudClientOptions>(o => o.BaseAddress = new Uri(host.Address));
        await using var provider = services.BuildServiceProvider();
        var shroud = provider.GetRequiredService<ShroudClient>();
        var logger = provider.GetRequiredService<ILogger<ClientQuickStartTests>>();

        // --- README: .NET client, use ---
        var sealedValue = await shroud.EncryptAsync("jane@example.com", TimeSpan.FromHours(1));
        string text = await shroud.TryDecryptAsync(sealedValue.Ref);
        var sealedEvent = await shroud.SealEventsAsync(JsonNode.Parse(body)!);
        logger.LogInformation("Event {Event}", ShroudClient.Redact(sealedEvent)!.ToJsonString());
        // --- end of the use ---

        Assert.Equal("jane@example.com", text);
        // JsonNode escapes non-ASCII text: ★ is \u2605 in the logged JSON.
        Assert.Contains(logs.Entries, e => e.Contains("\"text\":\"\\u2605\\u2605\\u2605\\u2605\\u2605\"", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Contains("jane", StringComparison.Ordinal));
        host.Factory.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal("★★★★★", await shroud.TryDecryptAsync(sealedValue.Ref));
    }

    [Fact]
    public void Every_line_of_the_readmes_csharp_quick_start_is_a_line_the_test_above_runs_in_the_same_order()
    {
        var readme = RepositoryFiles.Read("README.md");
        var start = readme.IndexOf("\n## .NET client\n", StringComparison.Ordinal);
        Assert.True(start > 0, "The README has no .NET client section.");
        var block = readme[start..].Split("```csharp\n", 2)[1].Split("\n```", 2)[0];
        var test = RepositoryFiles.Read("tests/Shroud.IntegrationTests/DotNetClient/ClientQuickStartTests.cs").Split('\n').Select(l => l.Trim()).ToList();

        var at = 0;
        foreach (var line in block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)))
        {
            var code = line.Split(" // ", 2)[0].TrimEnd();
            var found = test.FindIndex(at, l => l == code);
            Assert.True(found >= 0, $"The README line `{code}` is not run by the quick start test (after line {at + 1}).");
            at = found + 1;
        }
    }
}
