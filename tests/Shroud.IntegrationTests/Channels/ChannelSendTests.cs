using System.Net;
using System.Security.Cryptography;
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
        Assert.Equal(sent.Bytes.Length, sent.ContentLength);
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
    public async Task A_file_name_with_quotes_and_line_breaks_reaches_the_channel_defused_and_no_log_line_holds_it()
    {
        var bytes = RandomNumberGenerator.GetBytes(1_000);
        var media = await UploadAsync(bytes, "image/jpeg", Uri.EscapeDataString("evil\"name\r\nX-Injected: 1.jpg"));
        var (status, body, _) = await SendWhatsAppImageAsync(new JsonObject { ["link"] = media });

        AssertStatusAndMessageIdOnly(status, body, ChannelCase.WhatsApp.MessageId);
        var form = await FormAsync(fake.Requests.First());
        Assert.Equal("evil_name__X-Injected: 1.jpg", form["file"].FileName);
        Assert.Equal(Sha256(bytes), Sha256(form["file"].Bytes));
        Assert.DoesNotContain(logs.Entries, e => e.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_whose_later_ciphertext_was_altered_fails_the_send_once_and_is_never_sent_again()
    {
        var media = await UploadAsync(RandomNumberGenerator.GetBytes(300_000), "image/jpeg", "altered.jpg");
        var container = azurite.CreateBlobService().GetBlobContainerClient(factory.TablePrefix.ToLowerInvariant() + "media");
        var blob = container.GetBlobClient(Assert.Single(container.GetBlobs()).Name);
        var stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        stored[^100] ^= 1;
        await blob.UploadAsync(new BinaryData(stored), overwrite: true);
        var (status, _, _) = await SendWhatsAppImageAsync(new JsonObject { ["link"] = media });

        // Storage no longer holds what Shroud wrote: an internal error, not the channel's (no 503), and no retry.
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.True(fake.Requests.Count(r => r.Path.EndsWith("/media", StringComparison.Ordinal)) <= 1);
        Assert.DoesNotContain(fake.Requests, r => r.Path == ChannelCase.WhatsApp.SendPath);
    }

    [Fact]
    public async Task A_media_file_goes_to_whatsapp_as_an_upload_whose_media_id_replaces_the_sealed_link()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var media = await UploadAsync(bytes, "image/jpeg", "id-card.jpg");
        var caption = await SealAsync(Plaintext);
        var (status, body, channelId) = await SendWhatsAppImageAsync(new JsonObject { ["link"] = media, ["caption"] = caption });

        AssertStatusAndMessageIdOnly(status, body, ChannelCase.WhatsApp.MessageId);
        var (upload, message) = (fake.Requests.First(), fake.Requests.Last());
        Assert.Equal(2, fake.Requests.Count);
        Assert.Equal($"/v23.0/{ChannelCase.PhoneNumberId}/media", upload.Path);
        Assert.Equal(ChannelCase.WhatsApp.Authorization, upload.Authorization);
        var form = await FormAsync(upload);
        Assert.Equal("whatsapp", form["messaging_product"].Text);
        Assert.Equal("image/jpeg", form["type"].Text);
        Assert.Equal("id-card.jpg", form["file"].FileName);
        Assert.Equal(Sha256(bytes), Sha256(form["file"].Bytes));
        Assert.Equal(ChannelCase.WhatsApp.SendPath, message.Path);
        Assert.Equal(ChannelCase.WhatsApp.Authorization, message.Authorization);
        var image = JsonNode.Parse(message.Body)!["image"]!;
        Assert.Equal("1037543291543636", image["id"]!.GetValue<string>());
        Assert.Null(image["link"]);
        Assert.Equal(Plaintext, image["caption"]!.GetValue<string>());
        await AssertSendRecordedAsync(channelId, media, caption);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task A_media_file_goes_to_telegram_as_a_multipart_send_photo_with_the_other_parameters_as_form_fields()
    {
        var bytes = RandomNumberGenerator.GetBytes(150_001);
        var media = await UploadAsync(bytes, "image/png", "receipt.png");
        // The channel echoes the caption, not the file.
        fake.Answer = ChannelCase.Answering(_ => ChannelCase.Telegram.Success(Plaintext));
        var channelId = await CreateChannelAsync(ChannelCase.Telegram);
        var payload = new JsonObject
        {
            ["chat_id"] = 1234567,
            ["photo"] = media,
            ["caption"] = await SealAsync(Plaintext),
            ["reply_markup"] = new JsonObject { ["force_reply"] = true },
        };

        var (status, body, _) = await SendAsync(channelId, payload);

        AssertStatusAndMessageIdOnly(status, body, ChannelCase.Telegram.MessageId);
        var sent = Assert.Single(fake.Requests);
        Assert.Equal($"/bot{ChannelCase.TelegramBotToken}/sendPhoto", sent.Path);
        Assert.StartsWith("multipart/form-data", sent.ContentType, StringComparison.Ordinal);
        var form = await FormAsync(sent);
        Assert.Equal(["caption", "chat_id", "photo", "reply_markup"], form.Keys.Order());
        Assert.Equal("1234567", form["chat_id"].Text);
        Assert.Equal(Plaintext, form["caption"].Text);
        Assert.Equal("""{"force_reply":true}""", form["reply_markup"].Text);
        Assert.Equal("receipt.png", form["photo"].FileName);
        Assert.Equal("image/png", form["photo"].ContentType);
        Assert.Equal(Sha256(bytes), Sha256(form["photo"].Bytes));
        await AssertSendRecordedAsync(channelId, media);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task A_media_file_goes_to_slack_through_an_external_upload_shared_in_the_channel_with_the_text()
    {
        var bytes = RandomNumberGenerator.GetBytes(70_000);
        var media = await UploadAsync(bytes, "application/pdf", "statement.pdf");
        fake.Answer = received => received.Path switch
        {
            "/api/files.getUploadURLExternal" => (200, $$"""{"ok":true,"upload_url":"{{fake.BaseUrl}}/upload/v1/CwABAAAAXAo","file_id":"F07RJ6YGZ9C"}"""),
            "/upload/v1/CwABAAAAXAo" => (200, "{}"),
            "/api/files.completeUploadExternal" => (200, """{"ok":true,"files":[{"id":"F07RJ6YGZ9C","title":"statement.pdf"}]}"""),
            _ => (404, """{"ok":false,"error":"unknown_method"}"""),
        };
        var channelId = await CreateChannelAsync(ChannelCase.Slack);
        var payload = new JsonObject { ["channel"] = "C024BE91L", ["text"] = await SealAsync(Plaintext), ["file"] = media };

        var (status, body, _) = await SendAsync(channelId, payload);

        AssertStatusAndMessageIdOnly(status, body, "F07RJ6YGZ9C");
        Assert.Equal(["/api/files.getUploadURLExternal", "/upload/v1/CwABAAAAXAo", "/api/files.completeUploadExternal"], fake.Requests.Select(r => r.Path));
        var (ask, upload, complete) = (fake.Requests.ElementAt(0), fake.Requests.ElementAt(1), fake.Requests.ElementAt(2));
        Assert.Equal(ChannelCase.Slack.Authorization, ask.Authorization);
        var asked = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ask.Body);
        Assert.Equal("statement.pdf", asked["filename"]);
        Assert.Equal(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), asked["length"]);
        Assert.Null(upload.Authorization);
        Assert.Equal("application/pdf", upload.ContentType);
        Assert.Equal(Sha256(bytes), Sha256(upload.Bytes));
        Assert.Equal(ChannelCase.Slack.Authorization, complete.Authorization);
        var shared = JsonNode.Parse(complete.Body)!;
        Assert.Equal("F07RJ6YGZ9C", shared["files"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("C024BE91L", shared["channel_id"]!.GetValue<string>());
        Assert.Equal(Plaintext, shared["initial_comment"]!.GetValue<string>());
        await AssertSendRecordedAsync(channelId, media);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task A_media_file_goes_to_bot_framework_inline_as_a_data_uri_attachment()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        var media = await UploadAsync(bytes, "application/pdf", "statement.pdf");
        fake.Answer = ChannelCase.Answering(_ => ChannelCase.BotFramework.Success(Plaintext));
        var channelId = await CreateChannelAsync(ChannelCase.BotFramework);
        var payload = ChannelCase.BotFramework.Payload(fake.BaseUrl, await SealAsync(Plaintext));
        payload["attachments"] = new JsonArray(new JsonObject { ["contentUrl"] = media });

        var (status, body, _) = await SendAsync(channelId, payload);

        AssertStatusAndMessageIdOnly(status, body, ChannelCase.BotFramework.MessageId);
        var sent = Assert.Single(fake.Requests, r => r.Path != ChannelCase.TokenPath);
        Assert.Equal(ChannelCase.BotFramework.SendPath, sent.Path);
        Assert.Equal(ChannelCase.BotFramework.Authorization, sent.Authorization);
        var activity = JsonNode.Parse(sent.Body)!;
        Assert.Equal(Plaintext, activity["text"]!.GetValue<string>());
        var attachment = activity["attachments"]![0]!;
        Assert.Equal("application/pdf", attachment["contentType"]!.GetValue<string>());
        Assert.Equal("statement.pdf", attachment["name"]!.GetValue<string>());
        const string prefix = "data:application/pdf;base64,";
        var uri = attachment["contentUrl"]!.GetValue<string>();
        Assert.StartsWith(prefix, uri, StringComparison.Ordinal);
        Assert.Equal(Sha256(bytes), Sha256(Convert.FromBase64String(uri[prefix.Length..])));
        await AssertSendRecordedAsync(channelId, media);
        AssertNoPlaintextOrSecretLogged();
    }

    [Fact]
    public async Task A_media_file_for_twilio_is_refused_as_not_supported_and_nothing_is_sent()
    {
        var media = await UploadAsync(RandomNumberGenerator.GetBytes(4096), "image/jpeg", "id-card.jpg");
        var channelId = await CreateChannelAsync(ChannelCase.Twilio);
        var payload = ChannelCase.Twilio.Payload(fake.BaseUrl, await SealAsync(Plaintext));
        payload["MediaUrl"] = media;

        var result = await SendAsync(channelId, payload);

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "media_not_supported");
        Assert.Contains("MediaUrl", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task A_media_file_where_the_channel_takes_none_is_a_validation_failure_naming_its_path_and_nothing_is_sent()
    {
        var media = await UploadAsync(RandomNumberGenerator.GetBytes(4096), "image/jpeg", "id-card.jpg");
        var channelId = await CreateChannelAsync(ChannelCase.Telegram);

        var result = await SendAsync(channelId, new JsonObject { ["chat_id"] = 1234567, ["text"] = media });

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]!["$.text"]);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task An_upload_the_channel_fails_with_5xx_is_retried_with_the_whole_file()
    {
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var media = await UploadAsync(bytes, "image/jpeg", "id-card.jpg");
        var (status, body, _) = await SendWhatsAppImageAsync(media, failedUploads: 1);

        AssertStatusAndMessageIdOnly(status, body, ChannelCase.WhatsApp.MessageId);
        var attempts = fake.Requests.Where(r => r.Path.EndsWith("/media", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, attempts.Count);
        foreach (var attempt in attempts)
        {
            Assert.Equal(Sha256(bytes), Sha256((await FormAsync(attempt))["file"].Bytes));
        }

        Assert.Equal("""{"id":"1037543291543636"}""", JsonNode.Parse(fake.Requests.Last().Body)!["image"]!.ToJsonString());
    }

    [Fact]
    public async Task An_expired_media_reference_arrives_as_the_redaction_text_and_nothing_is_uploaded()
    {
        var media = await UploadAsync(RandomNumberGenerator.GetBytes(4096), "image/jpeg", "id-card.jpg", ttl: "PT1M");
        fake.Answer = ChannelCase.Answering(ChannelCase.WhatsApp.Success);
        var channelId = await CreateChannelAsync(ChannelCase.WhatsApp);
        factory.Clock.Advance(TimeSpan.FromMinutes(2));
        var payload = ChannelCase.WhatsApp.Payload(fake.BaseUrl, "unused");
        payload.Remove("text");
        payload["type"] = "image";
        payload["image"] = new JsonObject { ["link"] = media };

        var (status, _, _) = await SendAsync(channelId, payload);

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = Assert.Single(fake.Requests);
        Assert.Equal(ChannelCase.WhatsApp.SendPath, sent.Path);
        Assert.Equal("★★★★★", JsonNode.Parse(sent.Body)!["image"]!["link"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_reveal_on_send_off_a_media_file_is_withheld_and_nothing_is_uploaded()
    {
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var media = await UploadAsync(bytes, "image/jpeg", "id-card.jpg");
        fake.Answer = ChannelCase.Answering(ChannelCase.Telegram.Success);
        var channelId = await CreateChannelAsync(ChannelCase.Telegram, revealOnSend: false);

        var (status, _, _) = await SendAsync(channelId, new JsonObject { ["chat_id"] = 1234567, ["photo"] = media });

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = Assert.Single(fake.Requests);
        Assert.Equal($"/bot{ChannelCase.TelegramBotToken}/sendMessage", sent.Path);
        Assert.Equal("★★★★★", JsonNode.Parse(sent.Body)!["photo"]!.GetValue<string>());
        var record = (await AuditAsync()).Single(r => r!["action"]!.GetValue<string>() == "channel.send")!;
        Assert.Equal(1, record["counts"]!["withheld"]!.GetValue<int>());
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

    private static void AssertStatusAndMessageIdOnly(HttpStatusCode status, JsonNode? body, string messageId)
    {
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(["messageId", "status"], body!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(messageId, body["messageId"]!.GetValue<string>());
    }

    /// <summary>The one channel.send record names the channel and the ref id of every given sealed field.</summary>
    private async Task AssertSendRecordedAsync(string channelId, params JsonObject[] sealedFields)
    {
        var record = (await AuditAsync()).Single(r => r!["action"]!.GetValue<string>() == "channel.send")!;
        Assert.Equal(channelId, record["target"]!.GetValue<string>());
        var refIds = record["refIds"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.All(sealedFields, f => Assert.Contains(Rows.RefIdOf(f["$shroud"]!.GetValue<string>()), refIds));
        Assert.Equal(refIds.Count, record["counts"]!["revealed"]!.GetValue<int>());
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    /// <summary>A multipart/form-data body as its parts by name: text, file name, content type and bytes.</summary>
    private static async Task<Dictionary<string, (string Text, string? FileName, string? ContentType, byte[] Bytes)>> FormAsync(FakeChannelServer.Received received)
    {
        var boundary = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(
            Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(received.ContentType).Boundary).Value!;
        var reader = new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, new MemoryStream(received.Bytes));
        var parts = new Dictionary<string, (string, string?, string?, byte[])>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = Microsoft.Net.Http.Headers.ContentDispositionHeaderValue.Parse(section.ContentDisposition);
            using var content = new MemoryStream();
            await section.Body.CopyToAsync(content);
            parts[disposition.Name.Value!.Trim('"')] = (
                System.Text.Encoding.UTF8.GetString(content.ToArray()), disposition.FileName.Value?.Trim('"'), section.ContentType, content.ToArray());
        }

        return parts;
    }

    private async Task<JsonObject> UploadAsync(byte[] bytes, string contentType, string fileName, string? ttl = null)
    {
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(bytes) };
        upload.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        upload.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", setupKey);
        upload.Headers.Add("Shroud-File-Name", fileName);
        if (ttl is not null)
        {
            upload.Headers.Add("Shroud-Ttl", ttl);
        }

        using var uploaded = await client.Http.SendAsync(upload);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        return new JsonObject { ["$shroud"] = JsonNode.Parse(await uploaded.Content.ReadAsStringAsync())!["ref"]!.GetValue<string>(), ["redacted"] = "★★★★★" };
    }

    private void AssertNoPlaintextOrSecretLogged()
    {
        var text = string.Join('\n', logs.Entries);
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain("482913", text, StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe", text, StringComparison.Ordinal);
        Assert.DoesNotContain("id-card", text, StringComparison.Ordinal);
        Assert.DoesNotContain("statement.pdf", text, StringComparison.Ordinal);
        Assert.DoesNotContain("receipt.png", text, StringComparison.Ordinal);
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

    /// <summary>
    /// Sends a WhatsApp image message whose <c>image</c> is <paramref name="image"/> through a new channel, the fake
    /// answering the first <paramref name="failedUploads"/> media uploads with 503 and the rest with a media id.
    /// </summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body, string ChannelId)> SendWhatsAppImageAsync(JsonNode image, int failedUploads = 0)
    {
        var uploads = 0;
        fake.Answer = received => received.Path.EndsWith("/media", StringComparison.Ordinal)
            ? Interlocked.Increment(ref uploads) <= failedUploads ? (503, "{}") : (200, """{"id":"1037543291543636"}""")
            : ChannelCase.WhatsApp.Success(received.Body);
        var channelId = await CreateChannelAsync(ChannelCase.WhatsApp);
        var payload = ChannelCase.WhatsApp.Payload(fake.BaseUrl, "unused");
        payload.Remove("text");
        payload["type"] = "image";
        payload["image"] = image;
        var (status, body, _) = await SendAsync(channelId, payload);
        return (status, body, channelId);
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
