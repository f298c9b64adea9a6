using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.Api.Channels;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

/// <summary>
/// The outgoing edge against a fake channel API per channel on loopback: plaintext reaches the channel, never the
/// caller or a log line; the channel's refusals, outages and timeouts come back as problems.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChannelSendTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string App = "send-app";
    private const string Plaintext = "Your code 482913 was sent to jane.doe@example.com";

    private readonly ShroudFactory factory = new(azurite, new Dictionary<string, string?> { ["Channels:AllowForwardTo"] = "127.0.0.0/8" });
    private readonly LogCapture logs = new();
    private WebApplicationFactory<Program> host = null!;
    private FakeChannelServer fake = null!;
    private ShroudClient client = null!;
    private string setupKey = null!;
    private string botKey = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeChannelServer.StartAsync();
        host = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                logging.AddProvider(logs);
                logging.AddFilter<LogCapture>(null, LogLevel.Trace);
            });

            // The product's bounds, shortened so that a timeout test takes seconds.
            services.Configure<ChannelSendOptions>(o =>
            {
                o.AttemptTimeout = TimeSpan.FromMilliseconds(500);
                o.TotalTimeout = TimeSpan.FromSeconds(3);
                o.RetryDelay = TimeSpan.FromMilliseconds(20);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            });
        }));
        client = new ShroudClient(host.CreateClient());
        setupKey = await client.CreateAppWithKeyAsync(App, "configure", "encrypt");
        botKey = await client.CreateKeyAsync(App, "send");
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await factory.DisposeAsync();
        await fake.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(ChannelCase.Types), MemberType = typeof(ChannelCase))]
    public async Task The_revealed_text_reaches_the_channel_while_the_answer_and_every_log_line_hold_none_of_it(string type)
    {
        var channel = ChannelCase.Of(type);
        fake.Answer = ChannelCase.Answering(channel.Success);
        var channelId = await CreateChannelAsync(channel);

        var (status, body, _) = await SendAsync(channelId, channel.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString() + string.Join("\n", logs.Entries.Where(e => e.Contains("Unhandled"))));
        var sent = fake.Requests.Single(r => r.Path != ChannelCase.TokenPath);
        Assert.Equal("POST", sent.Method);
        Assert.Equal(channel.SendPath, sent.Path);
        Assert.Equal(channel.Authorization, sent.Authorization);
        Assert.Contains(Plaintext, ChannelCase.Text(sent), StringComparison.Ordinal);
        Assert.DoesNotContain("$shroud", sent.Body, StringComparison.Ordinal);
        Assert.Equal(channel.Success(Plaintext).Status, body!["status"]!.GetValue<int>());
        Assert.Equal(channel.MessageId, body["messageId"]!.GetValue<string>());
        Assert.Equal(["messageId", "status"], body.AsObject().Select(p => p.Key).Order());
        AssertNoPlaintextOrSecretLogged();
    }

    [Theory]
    [MemberData(nameof(ChannelCase.Types), MemberType = typeof(ChannelCase))]
    public async Task A_channel_refusal_is_a_502_naming_its_status_and_error_code_and_nothing_of_the_message(string type)
    {
        var channel = ChannelCase.Of(type);
        fake.Answer = ChannelCase.Answering(channel.Refusal);
        var channelId = await CreateChannelAsync(channel);

        var result = await SendAsync(channelId, channel.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.BadGateway, "channel_error");
        Assert.Equal(channel.RefusalStatus, problem["channelStatus"]!.GetValue<int>());
        Assert.Equal(channel.RefusalCode, problem["channelError"]!.GetValue<string>());
        Assert.Contains(channel.RefusalCode, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("482913", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Single(fake.Requests, r => r.Path != ChannelCase.TokenPath);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task An_expired_reference_arrives_at_the_channel_as_the_redaction_text()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.Slack.Success);
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        var text = await SealAsync(Plaintext, ttl: "PT1M");
        factory.Clock.Advance(TimeSpan.FromMinutes(2));

        var (status, _, _) = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, text));

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = JsonNode.Parse(fake.Requests.Single().Body)!;
        Assert.Equal("★★★★★", sent["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_reveal_on_send_off_the_channel_gets_the_redaction_text_and_the_record_counts_it_withheld()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.WhatsApp.Success);
        var channelId = await CreateChannelAsync(ChannelCase.WhatsApp, revealOnSend: false);

        var (status, _, _) = await SendAsync(channelId, ChannelCase.WhatsApp.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = JsonNode.Parse(fake.Requests.Single().Body)!;
        Assert.Equal("★★★★★", sent["text"]!["body"]!.GetValue<string>());
        var record = (await AuditAsync()).Single(r => r!["action"]!.GetValue<string>() == "channel.send")!;
        Assert.Equal(1, record["counts"]!["withheld"]!.GetValue<int>());
        Assert.Null(record["counts"]!["revealed"]);
    }

    [Fact]
    public async Task Each_send_leaves_one_audit_record_naming_the_channel_and_the_ref_ids()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.Telegram.Success);
        var channelId = await CreateChannelAsync(ChannelCase.Telegram);
        var first = await SealAsync(Plaintext);
        var second = await SealAsync("second message");

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.Telegram.Payload(fake.BaseUrl, first))).Status);
        var payload = ChannelCase.Telegram.Payload(fake.BaseUrl, second);
        payload["reply_markup"] = new JsonObject { ["force_reply"] = true, ["input_field_placeholder"] = await SealAsync("placeholder") };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, payload)).Status);

        var records = (await AuditAsync()).Where(r => r!["action"]!.GetValue<string>() == "channel.send").ToList();
        Assert.Equal(2, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(channelId, r!["target"]!.GetValue<string>());
            Assert.Equal("succeeded", r["outcome"]!.GetValue<string>());
        });
        Assert.Equal([1, 2], records.Select(r => r!["refIds"]!.AsArray().Count).Order());
        Assert.Equal(2, records.Single(r => r!["refIds"]!.AsArray().Count == 2)!["counts"]!["revealed"]!.GetValue<int>());
        Assert.DoesNotContain("482913", string.Join('\n', records.Select(r => r!.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_without_send_is_refused_and_nothing_reaches_the_channel()
    {
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        var payload = ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext));

        foreach (var permissions in new[] { new[] { "decrypt" }, ["encrypt", "configure"], ["admin"] })
        {
            var key = await client.CreateKeyAsync(App, permissions);
            ShroudClient.AssertProblem(await SendAsync(channelId, payload, key), HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task Only_a_key_holding_send_can_grant_it()
    {
        var admin = await client.CreateKeyAsync(App, "admin");
        var adminWithSend = await client.CreateKeyAsync(App, "admin", "send");

        var escalated = await client.PostAsync($"/api/apps/{App}/keys", admin, new { name = "bot", permissions = new[] { "send" } });
        var (status, granted, _) = await client.PostAsync($"/api/apps/{App}/keys", adminWithSend, new { name = "bot", permissions = new[] { "send" } });
        var beyond = await client.PostAsync($"/api/apps/{App}/keys", adminWithSend, new { name = "bot", permissions = new[] { "send", "decrypt" } });

        ShroudClient.AssertProblem(escalated, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["send"], granted!["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        ShroudClient.AssertProblem(beyond, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_key_with_send_and_without_decrypt_gets_no_plaintext_from_any_route()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.Slack.Success);
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        var text = await SealAsync(Plaintext);
        var reference = text["$shroud"]!.GetValue<string>();
        var sealedEvents = await client.PostAsync($"/api/apps/{App}/events", setupKey, new
        {
            id = "e1", conversationId = "conv-1", type = "message", user = new { type = "user", id = "u-1" }, text = Plaintext, sensitive = true,
        });
        Assert.True(sealedEvents.Status == HttpStatusCode.OK, sealedEvents.Body?.ToJsonString());
        Assert.DoesNotContain("482913", sealedEvents.Body!.ToJsonString(), StringComparison.Ordinal);

        var decrypt = await client.PostAsync($"/api/apps/{App}/decrypt", botKey, new { @ref = reference });
        var reveal = await client.SendAsync(HttpMethod.Post, $"/api/apps/{App}/events/reveal", botKey, sealedEvents.Body!.ToJsonString());
        var media = await client.PostAsync($"/api/apps/{App}/media/reveal", botKey, new { @ref = reference });
        var sent = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, text));

        ShroudClient.AssertProblem(decrypt, HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(media, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.OK, reveal.Status);
        Assert.Equal("★★★★★", reveal.Body!["text"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        foreach (var answer in new[] { decrypt, reveal, media, sent })
        {
            Assert.DoesNotContain("482913", answer.Body?.ToJsonString() ?? "", StringComparison.Ordinal);
        }

        Assert.Contains(Plaintext, fake.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_that_does_not_answer_in_time_is_retried_then_a_504()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.Twilio.Success);
        fake.Delay = TimeSpan.FromSeconds(5);
        var channelId = await CreateChannelAsync(ChannelCase.Twilio);

        var result = await SendAsync(channelId, ChannelCase.Twilio.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        ShroudClient.AssertProblem(result, HttpStatusCode.GatewayTimeout, "channel_timeout");
        Assert.Equal(1 + new ChannelSendOptions().MaxRetries, fake.Requests.Count);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task A_channel_answering_5xx_is_retried_then_a_503_with_retry_after()
    {
        fake.Answer = _ => (503, """{"error":{"code":"ServiceUnavailable"}}""");
        var channelId = await CreateChannelAsync(ChannelCase.WhatsApp);

        var result = await SendAsync(channelId, ChannelCase.WhatsApp.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.ServiceUnavailable, "channel_unavailable");
        Assert.Equal(503, problem["channelStatus"]!.GetValue<int>());
        Assert.NotNull(result.Response.Headers.RetryAfter);
        Assert.Equal(1 + new ChannelSendOptions().MaxRetries, fake.Requests.Count);
    }

    [Fact]
    public async Task A_5xx_followed_by_success_is_one_successful_send()
    {
        var calls = 0;
        fake.Answer = received => Interlocked.Increment(ref calls) == 1 ? (502, "{}") : ChannelCase.Slack.Success(received.Body);
        var channelId = await CreateChannelAsync(ChannelCase.Slack);

        var (status, body, _) = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ChannelCase.Slack.MessageId, body!["messageId"]!.GetValue<string>());
        Assert.Equal(2, fake.Requests.Count);
    }

    [Fact]
    public async Task The_bot_framework_token_is_fetched_once_and_reused()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.BotFramework.Success);
        var channelId = await CreateChannelAsync(ChannelCase.BotFramework);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.BotFramework.Payload(fake.BaseUrl, await SealAsync(Plaintext)))).Status);
        }

        var token = Assert.Single(fake.Requests, r => r.Path == ChannelCase.TokenPath);
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(token.Body);
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal(ChannelCase.BotAppId, form["client_id"]);
        Assert.Equal(ChannelCase.BotAppPassword, form["client_secret"]);
        Assert.Equal("https://api.botframework.com/.default", form["scope"]);
        Assert.Equal(3, fake.Requests.Count(r => r.Path != ChannelCase.TokenPath && r.Authorization == "Bearer " + ChannelCase.BotAccessToken));

        // The token lives 3,599 s: it is replaced 5 minutes before it expires, not after.
        factory.Clock.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.BotFramework.Payload(fake.BaseUrl, await SealAsync(Plaintext)))).Status);
        Assert.Equal(1, fake.Requests.Count(r => r.Path == ChannelCase.TokenPath));
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.BotFramework.Payload(fake.BaseUrl, await SealAsync(Plaintext)))).Status);
        Assert.Equal(2, fake.Requests.Count(r => r.Path == ChannelCase.TokenPath));
    }

    [Fact]
    public async Task A_channel_asking_for_a_long_pause_is_unavailable_after_bounded_retries_not_a_timeout()
    {
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        fake.Answer = _ => (429, """{"ok":false,"error":"ratelimited"}""");
        fake.RetryAfter = "30";

        var result = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.ServiceUnavailable, "channel_unavailable");
        Assert.Equal(429, problem["channelStatus"]!.GetValue<int>());
        Assert.Equal(1 + new ChannelSendOptions().MaxRetries, fake.Requests.Count);
    }

    [Fact]
    public async Task A_bot_framework_service_url_outside_the_bot_connector_is_refused_before_anything_is_sent()
    {
        var channelId = await CreateChannelAsync(ChannelCase.BotFramework);
        var payload = ChannelCase.BotFramework.Payload("https://collector.example.net/", await SealAsync(Plaintext));

        var result = await SendAsync(channelId, payload);

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["$.serviceUrl"]);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_channel_without_its_send_credentials_is_a_409_naming_them()
    {
        var created = await client.PostAsync($"/api/apps/{App}/channels", setupKey, new
        {
            type = "whatsapp",
            name = "Inbound only",
            secrets = new { appSecret = "wa-app-secret", verifyToken = "wa-verify-token", accessToken = ChannelCase.WhatsAppAccessToken },
            forwardUrl = "https://bot.example.com/hooks",
            apiBaseUrl = fake.BaseUrl,
        });
        Assert.Equal(HttpStatusCode.Created, created.Status);

        var result = await SendAsync(created.Body!["id"]!.GetValue<string>(), ChannelCase.WhatsApp.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.Conflict, "channel_cannot_send");
        Assert.Contains("phoneNumberId", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_reference_of_another_app_is_refused_and_nothing_is_sent()
    {
        var otherKey = await client.CreateAppWithKeyAsync("send-other-app", "encrypt");
        var foreign = (await client.EncryptAsync("send-other-app", otherKey, new { value = Plaintext }))["ref"]!.GetValue<string>();
        var channelId = await CreateChannelAsync(ChannelCase.Slack);

        var result = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, new JsonObject { ["$shroud"] = foreign }));

        ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "invalid_reference");
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_media_reference_in_a_send_is_refused_and_nothing_is_sent()
    {
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(new byte[4096]) };
        upload.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/jpeg");
        upload.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", setupKey);
        using var uploaded = await client.Http.SendAsync(upload);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var media = JsonNode.Parse(await uploaded.Content.ReadAsStringAsync())!["ref"]!.GetValue<string>();
        var channelId = await CreateChannelAsync(ChannelCase.Slack);

        var result = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, new JsonObject { ["$shroud"] = media }));

        ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "invalid_reference");
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_channel_change_applies_to_the_next_send_and_a_deleted_channel_is_not_found()
    {
        fake.Answer = ChannelCase.Answering(ChannelCase.Slack.Success);
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext)))).Status);

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/apps/{App}/channels/{channelId}")
        {
            Content = new StringContent("""{ "revealOnSend": false }""", System.Text.Encoding.UTF8, "application/merge-patch+json"),
        };
        patch.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", setupKey);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(patch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext)))).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/channels/{channelId}", setupKey)).Status);
        var gone = await SendAsync(channelId, ChannelCase.Slack.Payload(fake.BaseUrl, await SealAsync(Plaintext)));

        ShroudClient.AssertProblem(gone, HttpStatusCode.NotFound, "channel_not_found");
        Assert.Equal([Plaintext, "★★★★★"], fake.Requests.Select(r => JsonNode.Parse(r.Body)!["text"]!.GetValue<string>()));
    }

    private void AssertNoPlaintextOrSecretLogged()
    {
        var text = string.Join('\n', logs.Entries);
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain("482913", text, StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe", text, StringComparison.Ordinal);
        foreach (var secret in ChannelCase.AllSecrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    private async Task<string> CreateChannelAsync(ChannelCase channel, bool revealOnSend = true)
    {
        var (status, body, _) = await client.PostAsync($"/api/apps/{App}/channels", setupKey, new
        {
            type = channel.Type,
            name = channel.Type,
            secrets = channel.Secrets(fake.BaseUrl),
            forwardUrl = "https://bot.example.com/hooks",
            apiBaseUrl = fake.BaseUrl,
            revealOnSend,
        });
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        return body!["id"]!.GetValue<string>();
    }

    private async Task<JsonObject> SealAsync(string text, string? ttl = null)
    {
        var sealedValue = await client.EncryptAsync(App, setupKey, new { value = text, ttl });
        return new JsonObject { ["$shroud"] = sealedValue["ref"]!.GetValue<string>(), ["redacted"] = sealedValue["redacted"]!.GetValue<string>() };
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(string channelId, JsonObject payload, string? key = null) =>
        client.SendAsync(HttpMethod.Post, $"/api/apps/{App}/channels/{channelId}/messages", key ?? botKey, payload.ToJsonString());

    private async Task<JsonArray> AuditAsync()
    {
        var (status, body, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!["items"]!.AsArray();
    }
}
