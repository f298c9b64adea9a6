using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Records;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Telemetry;

[Collection(AzuriteCollection.Name)]
public sealed class TelemetryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string App = "telemetry-app";
    private const string FileName = "passport scan telemetry.jpg";

    // A fake channel API listens on loopback.
    private readonly ShroudFactory factory = new(azurite, new Dictionary<string, string?> { ["Channels:AllowForwardTo"] = "127.0.0.0/8" });
    private readonly TelemetryCapture capture = new();
    private readonly List<string> secrets = [ShroudFactory.BootstrapKey, FileName, Uri.EscapeDataString(FileName)];
    private WebApplicationFactory<Program> host = null!;
    private ShroudClient client = null!;

    public Task InitializeAsync()
    {
        host = capture.Attach(factory);
        client = new ShroudClient(host.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task Driving_every_route_exports_and_audits_no_value_reference_key_or_file_name_and_counts_each_outcome()
    {
        // Apps and keys.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/health", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Head, "/api/health", null)).Status);
        using (var console = await client.Http.GetAsync("/api/console/"))
        {
            Assert.Equal(HttpStatusCode.OK, console.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/openapi.json", null)).Status);
        var key = Secret(await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "configure", "admin", "send"));
        var encryptOnly = Secret(await client.CreateKeyAsync(App, "encrypt"));
        var revoked = await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/keys", ShroudFactory.BootstrapKey, new { name = "leaving", permissions = new[] { "encrypt" } });
        Secret(revoked["key"]!.GetValue<string>());
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/keys", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, "/api/apps", ShroudFactory.BootstrapKey);
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/keys/{revoked["id"]!.GetValue<string>()}", ShroudFactory.BootstrapKey);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/kek", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/kek/rotate", key);

        // Configurations and conversations.
        var configuration = (await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/configurations", key,
            new { name = "Support", encryptUserMessages = true, sensitiveVariables = new[] { "email" } }))["id"]!.GetValue<string>();
        var spare = (await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/configurations", key, new { name = "Spare" }))["id"]!.GetValue<string>();
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/configurations", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/configurations/{configuration}", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Put, $"/api/apps/{App}/configurations/{configuration}", key,
            new { name = "Support", encryptUserMessages = true, sensitiveVariables = new[] { "email" }, ttl = "PT2H" });
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, $"/api/apps/{App}/configurations/{spare}", key, new { transcript = true });
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/configurations/{spare}", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, $"/api/apps/{App}", key, new { defaultConfigurationId = configuration });

        // Channels: their secrets, and the forward secret shown once, are never exported.
        var channel = await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/channels", key,
            new { type = "slack", name = "Slack", secrets = new { signingSecret = Secret("slack-signing-secret-telemetry") }, forwardUrl = "https://bot.example.com/in" });
        Secret(channel["forwardSecret"]!.GetValue<string>());
        var channelPath = $"/api/apps/{App}/channels/{channel["id"]!.GetValue<string>()}";
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/channels", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, channelPath, key);

        // A signed Slack webhook (its text sealed by the default configuration), a refused handshake, the deliveries.
        var slackBody = $$$"""{"type":"event_callback","event_id":"EvTelemetry","event":{"type":"message","channel":"C1","user":"U1","text":"{{{Secret("My IBAN is DE89-TELEMETRY")}}}"}}""";
        var timestamp = factory.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var webhook = new HttpRequestMessage(HttpMethod.Post, channelPath + "/webhook") { Content = new StringContent(slackBody, Encoding.UTF8, "application/json") })
        {
            webhook.Headers.Add("X-Slack-Request-Timestamp", timestamp);
            webhook.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(
                Encoding.UTF8.GetBytes("slack-signing-secret-telemetry"), Encoding.UTF8.GetBytes($"v0:{timestamp}:{slackBody}"))));
            using var answer = await client.Http.SendAsync(webhook);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Get, channelPath + "/webhook?hub.mode=subscribe", null);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, channelPath + "/deliveries?status=failed", key);
        await Expect(HttpStatusCode.NotFound, HttpMethod.Post, $"{channelPath}/deliveries/{new string('0', 32)}/retry", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Put, channelPath, key,
            new { type = "twilio", name = "Twilio", secrets = new { authToken = Secret("twilio-auth-token-telemetry") }, forwardUrl = "https://bot.example.com/in", publicUrl = "https://shroud.example.com/hook" });
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, channelPath, key, new { secrets = new { authToken = Secret("twilio-auth-token-patched") } });
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, channelPath, key);
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}", key);
        await Expect(HttpStatusCode.OK, HttpMethod.Put, $"/api/apps/{App}/conversations/conv-telemetry/encryption", key, new { configurationId = configuration });
        await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/conversations/conv-telemetry/encryption", key);

        // Values: one single, a batch of two (one of them short-lived), revealed singly and as a batch.
        var single = Reference(await client.EncryptAsync(App, key, new { value = Secret("jane.telemetry@example.com"), ttl = "PT1H" }));

        // The outgoing edge: a send through Telegram, whose bot token is part of the URL Shroud calls.
        int fakePort;
        await using (var fake = await Channels.FakeChannelServer.StartAsync())
        {
            fakePort = new Uri(fake.BaseUrl).Port;
            fake.Answer = Channels.ChannelCase.Answering(Channels.ChannelCase.Telegram.Success);
            var telegram = await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/channels", key, new
            {
                type = "telegram",
                name = "Telegram",
                secrets = new { secretToken = Secret("tg-secret-token-telemetry"), botToken = Secret(Channels.ChannelCase.TelegramBotToken) },
                forwardUrl = "https://bot.example.com/in",
                apiBaseUrl = fake.BaseUrl,
            });
            var message = new JsonObject { ["chat_id"] = 1234567, ["text"] = new JsonObject { ["$shroud"] = single } };
            await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/channels/{telegram["id"]!.GetValue<string>()}/messages", key, message.ToJsonString());
            Assert.Contains("jane.telemetry@example.com", Assert.Single(fake.Requests).Body, StringComparison.Ordinal);
        }

        var batch = (await client.EncryptAsync(App, key, new
        {
            items = new object[] { new { value = Secret("4111-1111-1111-7777") }, new { value = Secret("+1 555 0100 telemetry"), ttl = "PT10M" } },
        }))["items"]!.AsArray().Select(i => Reference(i!)).ToList();
        Assert.False((await client.DecryptAsync(App, key, new { @ref = single }))["expired"]!.GetValue<bool>());
        Assert.All((await client.DecryptAsync(App, key, new { refs = batch }))["items"]!.AsArray(), i => Assert.False(i!["expired"]!.GetValue<bool>()));

        // Chat events: sealed by the conversation's configuration and by the sensitive flag, revealed to both kinds of key.
        var events = new JsonArray(
            new JsonObject
            {
                ["id"] = "evt-1", ["conversationId"] = "conv-telemetry", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" },
                ["threadMode"] = "bot", ["text"] = Secret("My passport is X99-TELEMETRY"),
                ["variables"] = new JsonObject { ["email"] = Secret("sam.telemetry@example.org") },
            },
            new JsonObject
            {
                ["id"] = "evt-2", ["conversationId"] = "conv-telemetry", ["type"] = "component_response", ["user"] = new JsonObject { ["type"] = "bot" },
                ["threadMode"] = "bot", ["sensitive"] = true, ["payload"] = new JsonObject { ["cardToken"] = Secret("tok_telemetry_4242") },
            });
        var sealedEvents = await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/events", key, events.ToJsonString());
        var eventValues = 0;
        foreach (var sealedEvent in sealedEvents.AsArray())
        {
            foreach (var path in sealedEvent!["sealedPaths"]!.AsArray())
            {
                eventValues++;
                var node = path!.GetValue<string>().Split('.').Aggregate(sealedEvent, (n, part) => n![part]!);
                Secret(node!["$shroud"]!.GetValue<string>());
            }
        }

        Assert.Equal(3, eventValues);
        var revealedEvents = await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/events/reveal", key, sealedEvents.ToJsonString());
        Assert.Equal("My passport is X99-TELEMETRY", revealedEvents[0]!["text"]!.GetValue<string>());
        await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/events/reveal", encryptOnly, sealedEvents.ToJsonString());
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/conversations/conv-telemetry/encryption", key);

        // Media with a file name, revealed while live.
        var media = Secret("media plaintext telemetry");
        var mediaRef = Reference(await UploadAsync(key, Encoding.UTF8.GetBytes(media)));
        using (var revealedMedia = await RevealMediaAsync(key, mediaRef))
        {
            Assert.Equal(HttpStatusCode.OK, revealedMedia.StatusCode);
            Assert.Equal(media, await revealedMedia.Content.ReadAsStringAsync());
        }

        // Refusals: an unknown but well-formed key, no key, a key without decrypt, the bootstrap key on a data route.
        var unknownKey = Secret(ApiKeyToken.New().Reveal());
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, $"/api/apps/{App}/decrypt", unknownKey, new { @ref = single });
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, $"/api/apps/{App}/encrypt", null, new { value = "x" });
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Post, $"/api/apps/{App}/decrypt", encryptOnly, new { @ref = single });
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Post, $"/api/apps/{App}/encrypt", ShroudFactory.BootstrapKey, new { value = "x" });

        // Caller mistakes that carry secrets: a reference altered inside its ref KEK, a value in a body that is not JSON.
        const int inRefKek = 50;
        var altered = Secret(string.Concat(single.AsSpan(0, inRefKek), single[inRefKek] == 'A' ? "B" : "A", single.AsSpan(inRefKek + 1)));
        // A batch with one altered reference reveals nothing, so it counts no value as revealed either.
        await Expect(HttpStatusCode.BadRequest, HttpMethod.Post, $"/api/apps/{App}/decrypt", key, new { refs = new[] { single, altered } });
        await Expect(HttpStatusCode.BadRequest, HttpMethod.Post, $"/api/apps/{App}/encrypt", key, "{ \"value\": \"" + Secret("unfinished telemetry secret") + "\"");

        // Redacted answers: a reference whose record never existed, then the short-lived value and the media once expired.
        var neverStored = Secret(ShroudReference.Create(App, ShroudReference.NewRefId(0), factory.Clock.GetUtcNow().AddHours(1), RandomNumberGenerator.GetBytes(32)).Encode());
        Assert.True((await client.DecryptAsync(App, key, new { @ref = neverStored }))["expired"]!.GetValue<bool>());
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.True((await client.DecryptAsync(App, key, new { @ref = batch[1] }))["expired"]!.GetValue<bool>());
        factory.Clock.Advance(TimeSpan.FromHours(1));
        using (var goneMedia = await RevealMediaAsync(key, mediaRef))
        {
            Assert.Equal(HttpStatusCode.Gone, goneMedia.StatusCode);
        }

        await Expect(HttpStatusCode.OK, HttpMethod.Post, "/api/maintenance/run", ShroudFactory.BootstrapKey);

        // The audit trail, read back through its routes and straight from its table.
        var audit = new List<JsonNode>
        {
            await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/audit", key),
            await Expect(HttpStatusCode.OK, HttpMethod.Get, $"/api/apps/{App}/audit/verify", key),
            await Expect(HttpStatusCode.OK, HttpMethod.Get, "/api/audit", ShroudFactory.BootstrapKey),
        };
        Assert.True(audit[1]["clean"]!.GetValue<bool>(), audit[1].ToJsonString());
        var auditRows = await Rows.AuditRecordsAsync(factory.Table("audit"));
        Assert.Contains(auditRows, r => r.Record.Action == "media.reveal");
        Assert.Contains(auditRows, r => r.Record.Action == "events.reveal");
        Assert.Contains(auditRows, r => r.Record.Action == "access.denied");
        var auditLeaks = auditRows.Select(r => Rows.Text(r.Row)).Distinct()
            .Concat(audit.Select(a => a.ToJsonString()))
            .SelectMany(text => secrets.Where(s => text.Contains(s, StringComparison.Ordinal)).Select(s => $"audit holds '{s}':\n{text}"))
            .ToList();
        Assert.True(auditLeaks.Count == 0, string.Join("\n\n", auditLeaks.Take(5)));

        TelemetryCapture.Flush(host.Services);

        // Each stored audit record is also one structured log event of category Shroud.Audit, with the same fields.
        var auditLogs = capture.Logs.Snapshot().Where(l => l.CategoryName == "Shroud.Audit" && l.LogLevel == Microsoft.Extensions.Logging.LogLevel.Information).ToList();
        Assert.Equal(auditRows.Count, auditLogs.Count);
        Assert.All(auditLogs, l => Assert.Contains(l.Attributes!, a => a.Key == "AuditAction"));
        Assert.Equal(
            auditRows.Select(r => $"{r.Record.WriterId}/{r.Record.Sequence} {r.Record.Action}").Order(),
            auditLogs.Select(l => $"{Attribute(l, "AuditWriterId")}/{Attribute(l, "AuditSequence")} {Attribute(l, "AuditAction")}").Order());

        AssertEveryRouteWasTraced();
        Assert.Contains(capture.Activities.Snapshot(), a => a.Source.Name.StartsWith("Azure.", StringComparison.Ordinal));
        Assert.NotEmpty(capture.Logs.Snapshot());
        // The fake channel is an ASP.NET Core app in this process, so the host's tracer records its incoming requests
        // too (with the token in their path): those spans are the fake's, not Shroud's, and are left out.
        var fakeServerSpan = $"server.port={fakePort}";
        var leaks = capture.Items()
            .Where(item => !(item.Text.Contains("Microsoft.AspNetCore.Hosting.HttpRequestIn", StringComparison.Ordinal) && item.Text.Contains(fakeServerSpan, StringComparison.Ordinal)))
            .SelectMany(item => secrets.Where(s => item.Text.Contains(s, StringComparison.Ordinal)).Select(s => $"{item.Kind} holds '{s}':\n{item.Text}"))
            .ToList();
        Assert.True(leaks.Count == 0, string.Join("\n\n", leaks.Take(5)));

        // Three values, the events' values and the Slack webhook's text.
        Assert.Equal(3 + eventValues + 1, Count(ShroudMetrics.SealedName, "value"));
        Assert.Equal(1, Count(ShroudMetrics.SealedName, "media"));
        // Three decrypted values, the events revealed, and the value sent through Telegram.
        Assert.Equal(4 + eventValues, Count(ShroudMetrics.RevealedName, "value"));
        Assert.Equal(1, Count(ShroudMetrics.RevealedName, "media"));
        Assert.Equal(1, Count(ShroudMetrics.RedactedName, "value", "expired"));
        Assert.Equal(1, Count(ShroudMetrics.RedactedName, "value", "gone"));
        Assert.Equal(1, Count(ShroudMetrics.RedactedName, "media", "expired"));
        Assert.Equal(0, Count(ShroudMetrics.RedactedName, "media", "gone"));
        // Two keys refused and one webhook handshake.
        Assert.Equal(3, capture.Sum(ShroudMetrics.RefusedName, (ShroudMetrics.ReasonTag, "unauthorized")));
        Assert.Equal(2, capture.Sum(ShroudMetrics.RefusedName, (ShroudMetrics.ReasonTag, "forbidden")));
    }

    /// <summary>Adds a secret to search for; of a reference or an API key, also the part after its prefix (and key id).</summary>
    private string Secret(string secret)
    {
        secrets.Add(secret);
        if (secret.StartsWith(ShroudReference.Prefix, StringComparison.Ordinal))
        {
            secrets.Add(secret[ShroudReference.Prefix.Length..]);
        }
        else if (ApiKeyToken.TryParse(secret, out var token))
        {
            secrets.Add(secret[(ApiKeyToken.Prefix.Length + token.KeyId.Length)..]);
        }

        return secret;
    }

    private static string? Attribute(OpenTelemetry.Logs.LogRecord log, string name) =>
        log.Attributes!.FirstOrDefault(a => a.Key == name).Value?.ToString();

    private string Reference(JsonNode sealedValue) => Secret(sealedValue["ref"]!.GetValue<string>());

    private long Count(string metric, string kind, string? reason = null) =>
        reason is null
            ? capture.Sum(metric, (ShroudMetrics.KindTag, kind))
            : capture.Sum(metric, (ShroudMetrics.KindTag, kind), (ShroudMetrics.ReasonTag, reason));

    private void AssertEveryRouteWasTraced()
    {
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method => $"{method} {e.RoutePattern.RawText}"))
            .ToHashSet();
        var traced = capture.Activities.Snapshot()
            .Where(a => a.Source.Name == "Microsoft.AspNetCore")
            .Select(a => $"{a.GetTagItem("http.request.method")} {a.GetTagItem("http.route")}")
            .ToHashSet();
        Assert.Empty(routes.Except(traced));
    }

    private async Task<JsonNode> Expect(HttpStatusCode expected, HttpMethod method, string path, string? key, object? body = null)
    {
        var (status, json, _) = await client.SendAsync(method, path, key, body);
        Assert.True(status == expected, $"{method} {path} answered {status}: {json?.ToJsonString()}");
        return json ?? new JsonObject();
    }

    private async Task<JsonNode> UploadAsync(string key, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(bytes) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Add("Shroud-File-Name", Uri.EscapeDataString(FileName));
        request.Headers.Add("Shroud-Ttl", "PT1H");
        using var response = await client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"media upload answered {response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private Task<HttpResponseMessage> RevealMediaAsync(string key, string reference)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client.Http.SendAsync(request);
    }
}
