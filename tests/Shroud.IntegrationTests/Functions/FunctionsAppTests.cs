using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Functions;

/// <summary>
/// The compiled Functions app, driven through the test Functions host (gRPC invocations, HTTP proxied to the worker):
/// what is deployed is what is tested. One worker serves the whole class; each test uses apps of its own.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsAppTests(AzuriteFixture azurite, FunctionsWorker worker) : IClassFixture<FunctionsWorker>, IAsyncLifetime
{
    private ShroudClient client = null!;

    public async Task InitializeAsync() => client = new ShroudClient((await worker.StartAsync(azurite)).CreateClient());

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Channel_webhooks_are_verified_answered_queued_and_delivered_by_the_functions_app()
    {
        await using var bot = await Channels.BotServer.StartAsync();
        var key = await client.CreateAppWithKeyAsync("fx-channels", "configure");
        var (created, telegram, _) = await client.PostAsync("/api/apps/fx-channels/channels", key, new
        {
            type = "telegram", name = "tg", secrets = new { secretToken = "fx-telegram-token" }, forwardUrl = new Uri(bot.BaseAddress, "hooks/telegram").AbsoluteUri,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, whatsApp, _) = await client.PostAsync("/api/apps/fx-channels/channels", key, new
        {
            type = "whatsapp", name = "wa", secrets = new { appSecret = "fx-app-secret", verifyToken = "fx-verify" }, forwardUrl = "https://bot.example.com/hooks/whatsapp",
        });
        var path = telegram!["webhookPath"]!.GetValue<string>();
        const string update = """{"update_id":1,"message":{"message_id":1,"chat":{"id":5,"type":"private"},"text":"hello"}}""";

        async Task<HttpStatusCode> PostAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(update, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", token);
            using var response = await client.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync("guess"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync("fx-telegram-token"));
        using var handshake = await client.Http.GetAsync($"{whatsApp!["webhookPath"]!.GetValue<string>()}?hub.mode=subscribe&hub.verify_token=fx-verify&hub.challenge=4711");
        Assert.Equal(HttpStatusCode.OK, handshake.StatusCode);
        Assert.Equal("4711", await handshake.Content.ReadAsStringAsync());
        var (listed, failed, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/fx-channels/channels/{telegram["id"]!.GetValue<string>()}/deliveries?status=failed", key);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Empty(failed!["items"]!.AsArray());

        // The queue-triggered function delivers it: the test host invokes DeliverMessage for the queued message.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (bot.Requests.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var delivered = Assert.Single(bot.Requests);
        Assert.Equal("/hooks/telegram", delivered.Path);
        Assert.Equal(telegram["id"]!.GetValue<string>(), delivered.Headers["Shroud-Channel"]);
        Assert.StartsWith("t=", delivered.Headers["Shroud-Signature"], StringComparison.Ordinal);
        Assert.Contains("\"update_id\":1", System.Text.Encoding.UTF8.GetString(delivered.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_answers_200_when_storage_answers()
    {
        var (status, body, _) = await client.SendAsync(HttpMethod.Get, "/api/health", null);

        Assert.True(status == HttpStatusCode.OK, $"health answered {status}; worker log:{Environment.NewLine}{worker.Host.RecentLog}");
        Assert.Equal("healthy", body!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_console_is_served_with_its_security_headers_and_an_unknown_file_is_a_404_problem()
    {
        using var index = await client.Http.GetAsync("/api/console/");
        using var script = await client.Http.GetAsync("/api/console/console.js");
        var missing = await client.SendAsync(HttpMethod.Get, "/api/console/..%2F..%2Fhost.json", null);

        Assert.True(index.StatusCode == HttpStatusCode.OK, $"the console answered {index.StatusCode}; worker log:{Environment.NewLine}{worker.Host.RecentLog}");
        Assert.Equal("text/html", index.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<script type=\"module\" src=\"console.js\"></script>", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Api.ConsoleAnswers.AssertSecurityHeaders(index);
        Assert.True(index.Headers.CacheControl!.NoStore);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        ShroudClient.AssertProblem(missing, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task An_app_and_its_key_seal_and_reveal_single_values_and_batches()
    {
        var key = await client.CreateAppWithKeyAsync("fx-values", "encrypt", "decrypt");

        var single = await client.EncryptAsync("fx-values", key, new { value = "jane@example.com", ttl = "PT1H" });
        var reference = single["ref"]!.GetValue<string>();
        Assert.StartsWith("shr1.", reference);
        Assert.Equal("★★★★★", single["redacted"]!.GetValue<string>());
        Assert.Equal("jane@example.com", (await client.DecryptAsync("fx-values", key, new { @ref = reference }))["value"]!.GetValue<string>());

        var batch = await client.EncryptAsync("fx-values", key, new { items = new[] { new { value = "4111 1111 1111 1111" }, new { value = "+1 555 0100" } } });
        var refs = batch["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()).ToArray();
        var revealed = await client.DecryptAsync("fx-values", key, new { refs });
        Assert.Equal(["4111 1111 1111 1111", "+1 555 0100"], revealed["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_send_through_a_channel_reveals_toward_the_channel_only()
    {
        await using var fake = await Channels.FakeChannelServer.StartAsync();
        fake.Answer = Channels.ChannelCase.Answering(Channels.ChannelCase.Telegram.Success);
        var setup = await client.CreateAppWithKeyAsync("fx-send", "configure", "encrypt");
        var bot = await client.CreateKeyAsync("fx-send", "send");
        var (_, channel, _) = await client.PostAsync("/api/apps/fx-send/channels", setup, new
        {
            type = "telegram",
            name = "Telegram",
            secrets = Channels.ChannelCase.Telegram.Secrets(fake.BaseUrl),
            forwardUrl = "https://bot.example.com/hooks",
            apiBaseUrl = fake.BaseUrl,
        });
        var reference = (await client.EncryptAsync("fx-send", setup, new { value = "jane@example.com" }))["ref"]!.GetValue<string>();
        var payload = Channels.ChannelCase.Telegram.Payload(fake.BaseUrl, new JsonObject { ["$shroud"] = reference });

        var (status, sent, _) = await client.PostAsync($"/api/apps/fx-send/channels/{channel!["id"]!.GetValue<string>()}/messages", bot, payload.ToJsonString());

        Assert.True(status == HttpStatusCode.OK, sent?.ToJsonString());
        Assert.Equal(Channels.ChannelCase.Telegram.MessageId, sent!["messageId"]!.GetValue<string>());
        Assert.DoesNotContain("jane", sent.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("jane@example.com", Assert.Single(fake.Requests).Body, StringComparison.Ordinal);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-send/decrypt", bot, new { @ref = reference }), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Keys_are_listed_without_secrets_and_a_revoked_key_is_refused()
    {
        var key = await client.CreateAppWithKeyAsync("fx-keys", "encrypt");

        var (status, list, _) = await client.SendAsync(HttpMethod.Get, "/api/apps/fx-keys/keys", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.OK, status);
        var listed = Assert.Single(list!["items"]!.AsArray())!;
        Assert.Null(listed["key"]);

        var revoked = await client.SendAsync(HttpMethod.Delete, $"/api/apps/fx-keys/keys/{listed["id"]!.GetValue<string>()}", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-keys/encrypt", key, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Configurations_carry_etags_and_a_replace_with_a_stale_etag_is_412()
    {
        var key = await client.CreateAppWithKeyAsync("fx-config", "configure");
        const string path = "/api/apps/fx-config/configurations";

        var (status, created, response) = await client.PostAsync(path, key, new { name = "Support", encryptUserMessages = true, ttl = "PT2H" });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created!["id"]!.GetValue<string>();
        var etag = response.Headers.ETag!.ToString();

        var read = await client.SendAsync(HttpMethod.Get, $"{path}/{id}", key);
        Assert.Equal(etag, read.Response.Headers.ETag!.ToString());

        var replaced = await ReplaceAsync($"{path}/{id}", key, etag, new { name = "Support", transcript = true });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.NotEqual(etag, replaced.Headers.ETag!.ToString());

        ShroudClient.AssertProblem(await AsResultAsync(await ReplaceAsync($"{path}/{id}", key, etag, new { name = "Support" })), HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(HttpMethod.Delete, $"{path}/{id}", key)).Status);
    }

    [Fact]
    public async Task Chat_events_are_sealed_by_the_conversation_configuration_and_revealed_only_to_decrypt_keys()
    {
        var key = await client.CreateAppWithKeyAsync("fx-events", "configure", "encrypt", "decrypt");
        var encryptOnly = await client.CreateKeyAsync("fx-events", "encrypt");
        var (_, configuration, _) = await client.PostAsync("/api/apps/fx-events/configurations", key, new { name = "Support", encryptUserMessages = true });
        var started = await client.SendAsync(HttpMethod.Put, "/api/apps/fx-events/conversations/conv-1/encryption", key, new { configurationId = configuration!["id"]!.GetValue<string>() });
        Assert.Equal(HttpStatusCode.OK, started.Status);

        var chatEvent = new JsonObject
        {
            ["id"] = "evt-1", ["conversationId"] = "conv-1", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" },
            ["threadMode"] = "bot", ["text"] = "My email is jane@example.com",
        };
        var (status, sealedEvent, _) = await client.PostAsync("/api/apps/fx-events/events", key, chatEvent.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["text"], sealedEvent!["sealedPaths"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.DoesNotContain("jane@example.com", sealedEvent.ToJsonString());

        var revealed = await client.PostAsync("/api/apps/fx-events/events/reveal", key, sealedEvent.ToJsonString());
        Assert.Equal("My email is jane@example.com", revealed.Body!["text"]!.GetValue<string>());
        var redacted = await client.PostAsync("/api/apps/fx-events/events/reveal", encryptOnly, sealedEvent.ToJsonString());
        Assert.Equal("★★★★★", redacted.Body!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_5_MiB_media_file_round_trips_with_identical_bytes()
    {
        var key = await client.CreateAppWithKeyAsync("fx-media", "encrypt", "decrypt");
        var bytes = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);

        using var upload = await UploadMediaAsync("fx-media", key, bytes);
        var uploaded = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!;
        Assert.True(upload.StatusCode == HttpStatusCode.OK, $"upload answered {upload.StatusCode}: {uploaded.ToJsonString()}");
        Assert.Equal(bytes.Length, uploaded["size"]!.GetValue<long>());

        using var reveal = new HttpRequestMessage(HttpMethod.Post, "/api/apps/fx-media/media/reveal") { Content = JsonContent.Create(new { @ref = uploaded["ref"]!.GetValue<string>() }) };
        reveal.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var revealed = await client.Http.SendAsync(reveal, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        Assert.Equal("image/jpeg", revealed.Content.Headers.ContentType!.MediaType);
        Assert.Equal(SHA256.HashData(bytes), await SHA256.HashDataAsync(await revealed.Content.ReadAsStreamAsync()));
    }

    [Fact]
    public async Task Malformed_requests_and_references_are_400_problems()
    {
        var key = await client.CreateAppWithKeyAsync("fx-400", "encrypt", "decrypt");

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-400/encrypt", key, "[1, 2"), HttpStatusCode.BadRequest, "invalid_json");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-400/encrypt", key, new { value = 42 }), HttpStatusCode.BadRequest, "validation_failed");
        var items = Enumerable.Range(0, 101).Select(i => new { value = $"v{i}" });
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-400/encrypt", key, new { items }), HttpStatusCode.BadRequest, "batch_too_large");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-400/decrypt", key, new { @ref = "shr1.not-a-reference" }), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task Missing_unknown_and_underpowered_keys_are_401_and_403_problems()
    {
        var encryptOnly = await client.CreateAppWithKeyAsync("fx-auth", "encrypt");
        var reference = (await client.EncryptAsync("fx-auth", encryptOnly, new { value = "secret" }))["ref"]!.GetValue<string>();

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-auth/encrypt", null, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-auth/encrypt", "shk_unknown", new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-auth/decrypt", encryptOnly, new { @ref = reference }), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Unknown_apps_keys_and_configurations_are_404_and_duplicates_are_409_problems()
    {
        var key = await client.CreateAppWithKeyAsync("fx-404", "configure");

        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps/fx-nowhere/keys", ShroudFactory.BootstrapKey), HttpStatusCode.NotFound, "app_not_found");
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Delete, "/api/apps/fx-404/keys/0123456789abcdef", ShroudFactory.BootstrapKey), HttpStatusCode.NotFound, "key_not_found");
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps/fx-404/configurations/0123456789abcdef", key), HttpStatusCode.NotFound, "configuration_not_found");

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "fx-404" }), HttpStatusCode.Conflict, "app_exists");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/apps/fx-404/configurations", key, new { name = "Twice" })).Status);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-404/configurations", key, new { name = "twice" }), HttpStatusCode.Conflict, "configuration_name_taken");
    }

    [Fact]
    public async Task Values_and_media_over_their_limits_are_413_problems()
    {
        var key = await client.CreateAppWithKeyAsync("fx-413", "encrypt");

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/fx-413/encrypt", key, new { value = new string('x', 61_441) }), HttpStatusCode.RequestEntityTooLarge, "value_too_large");
        using var upload = await UploadMediaAsync("fx-413", key, new byte[(6 * 1024 * 1024) + 1]);
        ShroudClient.AssertProblem(await AsResultAsync(upload), HttpStatusCode.RequestEntityTooLarge, "media_too_large");
    }

    [Fact]
    public async Task A_route_without_a_function_is_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Get, "/api/nowhere", null)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(HttpMethod.Delete, "/api/health", null)).Status);
    }

    [Fact]
    public async Task The_timer_runs_the_maintenance_job_which_rewraps_app_keks_under_the_active_root_key()
    {
        // An instance still on the previous root key creates the app, so its first KEK is wrapped by that key.
        await using (var previous = new ShroudFactory(azurite, new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = worker.Host.AppSettings["Storage__TablePrefix"],
            ["RootKeys:ActiveKeyId"] = FunctionsWorker.PreviousRootKeyId,
            ["RootKeys:Keys:test"] = null,
            [$"RootKeys:Keys:{FunctionsWorker.PreviousRootKeyId}"] = worker.PreviousRootKey,
        }))
        {
            var (status, _, _) = await new ShroudClient(previous.CreateClient()).PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "fx-timer" });
            Assert.Equal(HttpStatusCode.Created, status);
        }

        Assert.Equal(FunctionsWorker.PreviousRootKeyId, await RootKeyOfKekAsync("fx-timer"));

        await worker.Host.InvokeTimerAsync("MaintenanceTimer");

        Assert.Equal(FunctionsWorker.ActiveRootKeyId, await RootKeyOfKekAsync("fx-timer"));
    }

    private async Task<string> RootKeyOfKekAsync(string appId)
    {
        var (status, body, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{appId}/kek", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.OK, status);
        return Assert.Single(body!["items"]!.AsArray())!["rootKeyId"]!.GetValue<string>();
    }

    private async Task<HttpResponseMessage> UploadMediaAsync(string appId, string key, byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{appId}/media") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Shroud-File-Name", "id-card.jpg");
        return await client.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> ReplaceAsync(string path, string key, string ifMatch, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.Http.SendAsync(request);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> AsResultAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }
}
