using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.Core.Channels;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Channels;

[Collection(AzuriteCollection.Name)]
public sealed class ChannelsTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "configure", "encrypt")
{
    private const string App = "channels-app";
    private const string Base = $"/api/apps/{App}/channels";
    private const string SigningSecret = "slack-signing-secret-8f2a61";

    private static object Slack(string name = "Support Slack", string signingSecret = SigningSecret, string forwardUrl = "https://bot.example.com/hooks/slack") => new
    {
        type = "slack",
        name,
        secrets = new { signingSecret },
        forwardUrl,
    };

    private static object WhatsApp(string appSecret = "wa-app-secret-1", string verifyToken = "wa-verify-token-1") => new
    {
        type = "whatsapp",
        name = "WhatsApp",
        secrets = new { appSecret, verifyToken },
        forwardUrl = "https://bot.example.com/hooks/whatsapp",
        apiBaseUrl = "https://graph.example.com",
    };

    [Fact]
    public async Task Creating_patching_and_deleting_a_channel_leave_audit_records_naming_it_and_no_secret()
    {
        var (created, etag) = await CreateAsync(Slack(name: "Audited Slack"));
        var id = created["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Patch, $"{Base}/{id}", ifMatch: etag, mergePatch: """{ "name": "Renamed" }""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/{id}")).Status);

        var (status, audit, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit", ShroudFactory.BootstrapKey);

        Assert.Equal(HttpStatusCode.OK, status);
        var forChannel = audit!["items"]!.AsArray().Where(r => r!["target"]?.GetValue<string>() == id).Select(r => r!["action"]!.GetValue<string>());
        Assert.Equal(["channel.delete", "channel.patch", "channel.create"], forChannel);
        Assert.DoesNotContain(SigningSecret, audit.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(created["forwardSecret"]!.GetValue<string>(), audit.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<(JsonNode Body, string ETag)> CreateAsync(object body)
    {
        var (status, created, response) = await Client.PostAsync(Base, Key, body);
        Assert.True(status == HttpStatusCode.Created, created?.ToJsonString());
        return (created!, response.Headers.ETag!.ToString());
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, object? body = null, string? ifMatch = null, string? mergePatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (mergePatch is not null)
        {
            request.Content = new StringContent(mergePatch, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private async Task<IReadOnlyDictionary<string, string>> OpenSecretsAsync(string id)
    {
        var store = Factory.Services.GetRequiredService<IChannelStore>();
        var channel = await store.GetAsync(App, id, CancellationToken.None);
        return await Factory.Services.GetRequiredService<ChannelSecrets>().OpenAsync(App, channel!, CancellationToken.None);
    }

    [Fact]
    public async Task Create_answers_the_webhook_path_and_a_forward_secret_once_and_never_a_channel_secret()
    {
        var (status, created, response) = await Client.PostAsync(Base, Key, Slack());

        Assert.Equal(HttpStatusCode.Created, status);
        var id = created!["id"]!.GetValue<string>();
        Assert.Equal($"{Base}/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal($"/api/apps/{App}/channels/{id}/webhook", created["webhookPath"]!.GetValue<string>());
        var forwardSecret = created["forwardSecret"]!.GetValue<string>();
        Assert.Equal(32, Convert.FromBase64String(forwardSecret.Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Equal(["signingSecret"], created["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain(SigningSecret, created.ToJsonString());

        var (_, got, getResponse) = await SendAsync(HttpMethod.Get, $"{Base}/{id}");
        Assert.Equal(response.Headers.ETag, getResponse.Headers.ETag);
        Assert.Null(got!["forwardSecret"]);
        Assert.Equal("https://bot.example.com/hooks/slack", got["forwardUrl"]!.GetValue<string>());
        var (_, list, _) = await SendAsync(HttpMethod.Get, Base);
        Assert.Equal(id, Assert.Single(list!["items"]!.AsArray())!["id"]!.GetValue<string>());
        foreach (var text in new[] { got.ToJsonString(), list.ToJsonString() })
        {
            Assert.DoesNotContain(SigningSecret, text);
            Assert.DoesNotContain(forwardSecret, text);
        }

        var opened = await OpenSecretsAsync(id);
        Assert.Equal(SigningSecret, opened["signingSecret"]);
        Assert.Equal(forwardSecret, opened[ChannelSecrets.ForwardSecretName]);
    }

    [Fact]
    public async Task Secrets_are_stored_sealed_and_bound_to_their_channel()
    {
        var (first, _) = await CreateAsync(Slack("first"));
        var (second, _) = await CreateAsync(Slack("second", signingSecret: "another-signing-secret"));
        var rows = await Rows.AllAsync(Factory.Table("apps"), $"PartitionKey eq '{App}'");
        var channelRows = rows.Where(r => r.RowKey.StartsWith("chn-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, channelRows.Count);
        foreach (var row in channelRows)
        {
            var stored = string.Join('\n', row.Select(p => p.Value).Select(v => v is byte[] b ? Encoding.UTF8.GetString(b) + Convert.ToBase64String(b) : v?.ToString()));
            Assert.DoesNotContain(SigningSecret, stored);
            Assert.DoesNotContain(first["forwardSecret"]!.GetValue<string>(), stored);
        }

        // A sealed secret copied into another channel's row does not open there.
        var table = Factory.Table("apps");
        var from = channelRows.Single(r => r.RowKey == "chn-" + first["id"]!.GetValue<string>());
        var to = channelRows.Single(r => r.RowKey == "chn-" + second["id"]!.GetValue<string>());
        to["Secret_signingSecret"] = from["Secret_signingSecret"];
        await table.UpdateEntityAsync(to, Azure.ETag.All);
        await Assert.ThrowsAsync<InvalidOperationException>(() => OpenSecretsAsync(second["id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("slack", "signingSecret")]
    [InlineData("whatsapp", "appSecret")]
    [InlineData("whatsapp", "verifyToken")]
    [InlineData("telegram", "secretToken")]
    [InlineData("twilio", "authToken")]
    [InlineData("botframework", "appId")]
    public async Task Every_secret_of_the_type_is_required(string type, string missing)
    {
        var secrets = ChannelTypes.SecretNames[type].Where(n => n != missing).ToDictionary(n => n, n => "value-of-" + n);

        var result = await Client.PostAsync(Base, Key, new { type, name = "c", secrets, forwardUrl = "https://bot.example.com/in" });

        var problem = ShroudClient.AssertProblem(result, HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(problem["errors"]![$"secrets.{missing}"]);

        var all = ChannelTypes.SecretNames[type].ToDictionary(n => n, n => "value-of-" + n);
        var (status, created, _) = await Client.PostAsync(Base, Key, new { type, name = "c", secrets = all, forwardUrl = "https://bot.example.com/in" });
        Assert.True(status == HttpStatusCode.Created, created?.ToJsonString());
    }

    [Fact]
    public async Task An_unknown_type_or_a_secret_of_another_type_is_refused()
    {
        var unknownType = ShroudClient.AssertProblem(
            await Client.PostAsync(Base, Key, new { type = "irc", name = "c", secrets = new { }, forwardUrl = "https://bot.example.com/in" }),
            HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(unknownType["errors"]!["type"]);

        var otherSecret = ShroudClient.AssertProblem(
            await Client.PostAsync(Base, Key, new { type = "slack", name = "c", secrets = new { signingSecret = "s", authToken = "t" }, forwardUrl = "https://bot.example.com/in" }),
            HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(otherSecret["errors"]!["secrets.authToken"]);
    }

    [Fact]
    public async Task Put_replaces_every_field_needs_every_secret_and_keeps_the_forward_secret()
    {
        var (created, etag) = await CreateAsync(WhatsApp());
        var id = created["id"]!.GetValue<string>();

        var partial = await SendAsync(HttpMethod.Put, $"{Base}/{id}", new
        {
            type = "whatsapp", name = "WhatsApp", secrets = new { appSecret = "new-app-secret" }, forwardUrl = "https://bot.example.com/hooks/whatsapp",
        }, etag);
        Assert.NotNull(ShroudClient.AssertProblem(partial, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.verifyToken"]);

        var (status, replaced, response) = await SendAsync(HttpMethod.Put, $"{Base}/{id}", new
        {
            type = "whatsapp", name = "Renamed", secrets = new { appSecret = "new-app-secret", verifyToken = "new-verify-token" }, forwardUrl = "https://bot2.example.com/in",
        }, etag);

        Assert.True(status == HttpStatusCode.OK, replaced?.ToJsonString());
        Assert.NotEqual(etag, response.Headers.ETag!.ToString());
        Assert.Equal("Renamed", replaced!["name"]!.GetValue<string>());
        Assert.Null(replaced["apiBaseUrl"]);
        var opened = await OpenSecretsAsync(id);
        Assert.Equal("new-app-secret", opened["appSecret"]);
        Assert.Equal("new-verify-token", opened["verifyToken"]);
        Assert.Equal(created["forwardSecret"]!.GetValue<string>(), opened[ChannelSecrets.ForwardSecretName]);

        ShroudClient.AssertProblem(
            await SendAsync(HttpMethod.Put, $"{Base}/{id}", WhatsApp(), etag), HttpStatusCode.PreconditionFailed, "precondition_failed");
    }

    [Fact]
    public async Task Merge_patch_sets_one_secret_keeps_the_others_and_refuses_null_for_a_required_secret()
    {
        var (created, etag) = await CreateAsync(WhatsApp());
        var id = created["id"]!.GetValue<string>();

        var (status, patched, response) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", ifMatch: etag,
            mergePatch: """{ "name": "Patched", "apiBaseUrl": null, "secrets": { "verifyToken": "rotated-verify-token" } }""");

        Assert.True(status == HttpStatusCode.OK, patched?.ToJsonString());
        Assert.Equal("Patched", patched!["name"]!.GetValue<string>());
        Assert.Null(patched["apiBaseUrl"]);
        Assert.Equal("https://bot.example.com/hooks/whatsapp", patched["forwardUrl"]!.GetValue<string>());
        var opened = await OpenSecretsAsync(id);
        Assert.Equal("wa-app-secret-1", opened["appSecret"]);
        Assert.Equal("rotated-verify-token", opened["verifyToken"]);
        Assert.Equal(created["forwardSecret"]!.GetValue<string>(), opened[ChannelSecrets.ForwardSecretName]);
        Assert.DoesNotContain("rotated-verify-token", patched.ToJsonString());

        var newETag = response.Headers.ETag!.ToString();
        var nulled = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", ifMatch: newETag, mergePatch: """{ "secrets": { "appSecret": null } }""");
        Assert.NotNull(ShroudClient.AssertProblem(nulled, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.appSecret"]);

        var removed = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", ifMatch: newETag, mergePatch: """{ "secrets": null }""");
        Assert.NotNull(ShroudClient.AssertProblem(removed, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets"]);
        Assert.Equal("wa-app-secret-1", (await OpenSecretsAsync(id))["appSecret"]);

        var stale = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", ifMatch: etag, mergePatch: """{ "name": "Late" }""");
        ShroudClient.AssertProblem(stale, HttpStatusCode.PreconditionFailed, "precondition_failed");

        var retyped = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "type": "telegram" }""");
        Assert.NotNull(ShroudClient.AssertProblem(retyped, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.secretToken"]);
        var (retypedStatus, telegram, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "type": "telegram", "secrets": { "secretToken": "tg-token" } }""");
        Assert.Equal(HttpStatusCode.OK, retypedStatus);
        Assert.Equal(["secretToken"], telegram!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Send_secrets_are_optional_listed_when_set_and_removed_by_a_null_in_a_merge_patch_or_by_a_put_without_them()
    {
        var (inbound, _) = await CreateAsync(WhatsApp());
        Assert.Equal(["appSecret", "verifyToken"], inbound["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        var id = inbound["id"]!.GetValue<string>();

        var (status, patched, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}",
            mergePatch: """{ "secrets": { "accessToken": "wa-access-token-1", "phoneNumberId": "106540352242922" } }""");

        Assert.True(status == HttpStatusCode.OK, patched?.ToJsonString());
        Assert.Equal(["accessToken", "appSecret", "phoneNumberId", "verifyToken"], patched!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.DoesNotContain("wa-access-token-1", patched.ToJsonString());
        Assert.Equal("wa-access-token-1", (await OpenSecretsAsync(id))["accessToken"]);

        var (_, removed, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "secrets": { "accessToken": null } }""");
        Assert.Equal(["appSecret", "phoneNumberId", "verifyToken"], removed!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False((await OpenSecretsAsync(id)).ContainsKey("accessToken"));

        var (_, replaced, _) = await SendAsync(HttpMethod.Put, $"{Base}/{id}", WhatsApp());
        Assert.Equal(["appSecret", "verifyToken"], replaced!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));

        var empty = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "secrets": { "accessToken": "" } }""");
        Assert.NotNull(ShroudClient.AssertProblem(empty, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.accessToken"]);
        var foreign = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "secrets": { "botToken": "xoxb-1" } }""");
        Assert.NotNull(ShroudClient.AssertProblem(foreign, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.botToken"]);
    }

    [Fact]
    public async Task A_merge_patch_moving_the_api_host_keeps_no_secret_shroud_presents_to_that_host()
    {
        var (created, _) = await CreateAsync(WhatsApp());
        var id = created["id"]!.GetValue<string>();
        await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "secrets": { "accessToken": "wa-access-token-1", "phoneNumberId": "106540352242922" } }""");

        var (status, moved, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "apiBaseUrl": "https://collector.example.net" }""");

        Assert.True(status == HttpStatusCode.OK, moved?.ToJsonString());
        Assert.Equal(["appSecret", "verifyToken"], moved!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False((await OpenSecretsAsync(id)).ContainsKey("accessToken"));

        var (_, given, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}",
            mergePatch: """{ "apiBaseUrl": "https://graph.example.com", "secrets": { "accessToken": "wa-access-token-2", "phoneNumberId": "106540352242922" } }""");
        Assert.Equal(["accessToken", "appSecret", "phoneNumberId", "verifyToken"], given!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));
        var (_, renamed, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "name": "Renamed" }""");
        Assert.Equal(["accessToken", "appSecret", "phoneNumberId", "verifyToken"], renamed!["secretsSet"]!.AsArray().Select(n => n!.GetValue<string>()));

        // Twilio's auth token is required and also authenticates Shroud's calls to Twilio's API: moving the host needs it again.
        var (twilio, _) = await CreateAsync(new
        {
            type = "twilio",
            name = "SMS",
            secrets = new { authToken = "twilio-auth-token-1" },
            forwardUrl = "https://bot.example.com/hooks/sms",
            publicUrl = "https://shroud.example.com/sms",
            apiBaseUrl = "https://api.twilio.example.com",
        });
        var twilioId = twilio["id"]!.GetValue<string>();
        var refused = await SendAsync(HttpMethod.Patch, $"{Base}/{twilioId}", mergePatch: """{ "apiBaseUrl": "https://collector.example.net" }""");
        Assert.NotNull(ShroudClient.AssertProblem(refused, HttpStatusCode.BadRequest, "validation_failed")["errors"]!["secrets.authToken"]);
        Assert.Equal("twilio-auth-token-1", (await OpenSecretsAsync(twilioId))["authToken"]);
    }

    [Fact]
    public async Task Reveal_on_send_is_on_by_default_can_be_turned_off_and_reads_as_on_for_a_channel_stored_without_it()
    {
        var (created, _) = await CreateAsync(Slack());
        var id = created["id"]!.GetValue<string>();
        Assert.True(created["revealOnSend"]!.GetValue<bool>());

        var (_, off, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "revealOnSend": false }""");
        Assert.False(off!["revealOnSend"]!.GetValue<bool>());
        var (_, got, _) = await SendAsync(HttpMethod.Get, $"{Base}/{id}");
        Assert.False(got!["revealOnSend"]!.GetValue<bool>());
        var (_, renamed, _) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "name": "Still off" }""");
        Assert.False(renamed!["revealOnSend"]!.GetValue<bool>());

        // A row written before the column existed.
        var apps = Factory.Table("apps");
        var row = (await apps.GetEntityAsync<Azure.Data.Tables.TableEntity>(App, "chn-" + id)).Value;
        row.Remove("RevealOnSend");
        await apps.UpdateEntityAsync(row, Azure.ETag.All, Azure.Data.Tables.TableUpdateMode.Replace);
        var (_, old, _) = await SendAsync(HttpMethod.Get, $"{Base}/{id}");
        Assert.True(old!["revealOnSend"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Delete_honours_if_match_and_a_deleted_channel_is_not_found()
    {
        var (created, etag) = await CreateAsync(Slack());
        var id = created["id"]!.GetValue<string>();
        var (_, _, patchResponse) = await SendAsync(HttpMethod.Patch, $"{Base}/{id}", mergePatch: """{ "name": "Changed" }""");

        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Delete, $"{Base}/{id}", ifMatch: etag), HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{Base}/{id}", ifMatch: patchResponse.Headers.ETag!.ToString())).Status);

        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Get, $"{Base}/{id}"), HttpStatusCode.NotFound, "channel_not_found");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Delete, $"{Base}/{id}"), HttpStatusCode.NotFound, "channel_not_found");
        ShroudClient.AssertProblem(await SendAsync(HttpMethod.Get, $"{Base}/not-a-channel"), HttpStatusCode.NotFound, "channel_not_found");
    }

    [Fact]
    public async Task Channels_need_the_configure_permission()
    {
        var encryptOnly = await Client.CreateKeyAsync(App, "encrypt");

        ShroudClient.AssertProblem(await Client.PostAsync(Base, encryptOnly, Slack()), HttpStatusCode.Forbidden, "forbidden");
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, Base, encryptOnly), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("http://bot.example.com/in")]
    [InlineData("https://127.0.0.1/in")]
    [InlineData("https://localhost/in")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://metadata.google.internal/computeMetadata")]
    [InlineData("https://168.63.129.16/machine")]
    [InlineData("https://10.1.2.3/in")]
    [InlineData("https://192.168.0.10/in")]
    [InlineData("https://[::1]/in")]
    [InlineData("https://[::ffff:10.0.0.1]/in")]
    [InlineData("https://[fd00::1]/in")]
    [InlineData("https://0x7f000001/in")]
    [InlineData("https://user:password@bot.example.com/in")]
    [InlineData("ftp://bot.example.com/in")]
    [InlineData("/relative")]
    public async Task A_forward_url_into_the_network_is_refused(string forwardUrl)
    {
        var problem = ShroudClient.AssertProblem(await Client.PostAsync(Base, Key, Slack(forwardUrl: forwardUrl)), HttpStatusCode.BadRequest, "validation_failed");

        Assert.NotNull(problem["errors"]!["forwardUrl"]);
    }

    [Fact]
    public async Task An_api_base_url_into_the_network_is_refused_too()
    {
        var problem = ShroudClient.AssertProblem(
            await Client.PostAsync(Base, Key, new { type = "telegram", name = "t", secrets = new { secretToken = "x" }, forwardUrl = "https://bot.example.com/in", apiBaseUrl = "https://169.254.169.254" }),
            HttpStatusCode.BadRequest, "validation_failed");

        Assert.NotNull(problem["errors"]!["apiBaseUrl"]);
    }

    [Fact]
    public async Task Loopback_and_named_ranges_are_allowed_only_where_the_setting_names_them()
    {
        await using var allowing = new ShroudFactory(Azurite, new Dictionary<string, string?> { ["Channels:AllowForwardTo"] = "127.0.0.0/8, 10.20.0.0/16, bot.internal" });
        var client = new ShroudClient(allowing.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "configure");

        foreach (var allowed in new[] { "http://127.0.0.1:5005/in", "https://10.20.3.4/in", "http://bot.internal/in" })
        {
            var (status, body, _) = await client.PostAsync(Base, key, Slack(forwardUrl: allowed));
            Assert.True(status == HttpStatusCode.Created, $"{allowed}: {body?.ToJsonString()}");
        }

        foreach (var refused in new[] { "http://[::1]:5005/in", "https://10.21.0.1/in", "https://169.254.169.254/in" })
        {
            ShroudClient.AssertProblem(await client.PostAsync(Base, key, Slack(forwardUrl: refused)), HttpStatusCode.BadRequest, "validation_failed");
        }
    }

    [Fact]
    public async Task Development_hosts_allow_loopback_by_default()
    {
        await using var development = Factory.WithWebHostBuilder(b => b.UseEnvironment("Development"));
        var client = new ShroudClient(development.CreateClient());

        var (status, body, _) = await client.PostAsync(Base, Key, Slack(forwardUrl: "http://127.0.0.1:5005/in"));
        Assert.True(status == HttpStatusCode.Created, body?.ToJsonString());
        ShroudClient.AssertProblem(await Client.PostAsync(Base, Key, Slack(forwardUrl: "http://127.0.0.1:5005/in")), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Secrets_survive_a_kek_rotation_and_the_destruction_of_the_version_that_sealed_them()
    {
        var (created, _) = await CreateAsync(Slack());
        var id = created["id"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/api/apps/{App}/kek/rotate", ShroudFactory.BootstrapKey, null)).Status);
        Factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(2));
        var (status, report, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
        Assert.True(status == HttpStatusCode.OK, report?.ToJsonString());
        Assert.Equal(1, report!["keksDestroyed"]!.GetValue<int>());
        Assert.Equal(0, report["appsFailed"]!.GetValue<int>());

        var opened = await OpenSecretsAsync(id);
        Assert.Equal(SigningSecret, opened["signingSecret"]);
        Assert.Equal(created["forwardSecret"]!.GetValue<string>(), opened[ChannelSecrets.ForwardSecretName]);
        Assert.NotEqual(1, (await Factory.Services.GetRequiredService<IChannelStore>().GetAsync(App, id, CancellationToken.None))!.KekVersion);
    }

    [Fact]
    public async Task No_secret_reaches_the_logs()
    {
        var logs = new LogCapture();
        await using var logged = Factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(logs);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        })));
        var client = new ShroudClient(logged.CreateClient());

        var (_, created, _) = await client.PostAsync(Base, Key, Slack());
        var id = created!["id"]!.GetValue<string>();
        await client.SendAsync(HttpMethod.Put, $"{Base}/{id}", Key, Slack(signingSecret: "replaced-signing-secret"));
        await client.SendAsync(HttpMethod.Get, $"{Base}/{id}", Key);

        var text = string.Join('\n', logs.Entries);
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(SigningSecret, text);
        Assert.DoesNotContain("replaced-signing-secret", text);
        Assert.DoesNotContain(created["forwardSecret"]!.GetValue<string>(), text);
    }
}
