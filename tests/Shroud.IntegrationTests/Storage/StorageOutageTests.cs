using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Api;
using Shroud.Host.Azurite;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Storage;

/// <summary>Storage that stops answering, or loses Shroud's tables, while a host runs.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageOutageTests(AzuriteFixture azurite)
{
    private const string App = "outage-app";

    private static readonly object Channel = new { type = "telegram", name = "tg", secrets = new { secretToken = "t" }, forwardUrl = "https://bot.example.com/in" };

    [Fact]
    public async Task Every_route_answers_503_with_retry_after_while_storage_is_down_and_serves_again_once_it_is_back()
    {
        var location = Directory.CreateTempSubdirectory("shroud-outage-").FullName;
        var ports = new AzuriteStartOptions(AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), AzuriteProcess.FreeTcpPort(), InMemory: false, Location: location);
        var own = await AzuriteProcess.StartAsync(ports);
        try
        {
            // The retry settings a deployment uses (ShroudFactory's default).
            await using var factory = new ShroudFactory(azurite, new Dictionary<string, string?> { ["Storage:ConnectionString"] = own.ConnectionString });
            var client = new ShroudClient(factory.CreateClient());
            var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "configure", "admin", "send");
            var reference = (await client.EncryptAsync(App, key, new { value = "jane@example.com" }))["ref"]!.GetValue<string>();
            var (_, configuration, _) = await client.PostAsync($"/api/apps/{App}/configurations", key, new { name = "strict", encryptUserMessages = true });
            var configurationId = configuration!["id"]!.GetValue<string>();
            var (_, channel, _) = await client.PostAsync($"/api/apps/{App}/channels", key, Channel);
            var channelId = channel!["id"]!.GetValue<string>();
            var (_, keys, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/keys", ShroudFactory.BootstrapKey);
            var keyId = keys!["items"]![0]!["id"]!.GetValue<string>();

            await own.DisposeAsync();
            var calls = Calls(key, reference, configurationId, keyId, channelId);
            // Every route but the console's static files and the OpenAPI document, which are built into the assembly
            // and need no storage (checked below).
            var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .Where(e => e.RoutePattern.RawText!.Trim('/') is var path && path != $"{Routes.Prefix}/{Routes.Console}" && path != $"{Routes.Prefix}/{Routes.OpenApi}")
                .Sum(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Count);
            Assert.Equal(routes, calls.DistinctBy(c => (c.Method, c.Path)).Count());
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, $"/{Routes.Prefix}/{Routes.OpenApi}", key: null)).Response.StatusCode);
            var answers = await Task.WhenAll(calls.Select(async call => (call.Name, Response: await SendAsync(factory, call))));

            Assert.All(answers, a =>
            {
                Assert.True(a.Response.Status == HttpStatusCode.ServiceUnavailable, $"{a.Name} answered {a.Response.Status}: {a.Response.Text}");
                Assert.Contains("\"code\":\"storage_unavailable\"", a.Response.Text, StringComparison.Ordinal);
                Assert.Equal("application/problem+json", a.Response.ContentType);
                Assert.Equal(TimeSpan.FromSeconds(5), a.Response.RetryAfter);
            });

            // The console loads during the outage, so its screens can show the 503 problem of the calls they make.
            using (var console = await client.Http.GetAsync("/api/console/"))
            {
                Assert.Equal(HttpStatusCode.OK, console.StatusCode);
            }

            own = await AzuriteProcess.StartAsync(ports);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/health", key: null)).Status);
            Assert.Equal("jane@example.com", (await client.DecryptAsync(App, key, new { @ref = reference }))["value"]!.GetValue<string>());
            Assert.NotNull((await client.EncryptAsync(App, key, new { value = "again" }))["ref"]);
        }
        finally
        {
            await own.DisposeAsync();
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task Tables_and_the_media_container_deleted_while_running_are_created_again_by_the_next_request()
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var tables = azurite.CreateTableService();
        var media = azurite.CreateBlobService().GetBlobContainerClient(factory.TablePrefix.ToLowerInvariant() + "media");

        await tables.DeleteTableAsync(factory.TablePrefix + "records");
        await media.DeleteAsync();
        var single = await client.EncryptAsync(App, key, new { value = "one" });
        Assert.Equal("one", (await client.DecryptAsync(App, key, new { @ref = single["ref"]!.GetValue<string>() }))["value"]!.GetValue<string>());
        await tables.DeleteTableAsync(factory.TablePrefix + "records");
        var batch = await client.EncryptAsync(App, key, new { items = new[] { new { value = "two" }, new { value = "three" } } });
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("scan")) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var uploaded = await client.Http.SendAsync(upload);

        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Equal(["two", "three"], (await client.DecryptAsync(App, key, new { refs = batch["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()) }))["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));

        // The audit table alone: the next reveal creates it again and still answers the plaintext.
        await tables.DeleteTableAsync(factory.TablePrefix + "audit");
        Assert.Equal(["two", "three"], (await client.DecryptAsync(App, key, new { refs = batch["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()) }))["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));

        // A storage account reset: everything is gone, and the service heals for the apps created next.
        foreach (var name in new[] { "apps", "records", "conversations", "audit" })
        {
            await tables.DeleteTableAsync(factory.TablePrefix + name);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/health", key: null)).Status);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "after-reset" })).Status);
    }

    [Fact]
    public async Task Health_is_503_while_the_tables_are_missing_and_cannot_be_created()
    {
        var refuseCreation = RefuseCreation();
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [refuseCreation] };
        var client = new ShroudClient(factory.CreateClient());
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/health", key: null)).Status);

        refuseCreation.Refusing = true;
        await azurite.CreateTableService().DeleteTableAsync(factory.TablePrefix + "conversations");
        var refused = await client.SendAsync(HttpMethod.Get, "/api/health", key: null);

        ShroudClient.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.True(refuseCreation.Refused > 0);
        refuseCreation.Refusing = false;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/api/health", key: null)).Status);
    }

    [Fact]
    public async Task A_table_missing_mid_request_that_cannot_be_created_is_503_storage_unavailable_not_an_internal_error()
    {
        var refuseCreation = RefuseCreation();
        await using var factory = new ShroudFactory(azurite) { StoragePolicies = [refuseCreation] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");

        refuseCreation.Refusing = true;
        await azurite.CreateTableService().DeleteTableAsync(factory.TablePrefix + "records");

        var single = await client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "one" });
        Assert.True(single.Status == HttpStatusCode.ServiceUnavailable, single.Body?.ToJsonString());
        ShroudClient.AssertProblem(single, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        ShroudClient.AssertProblem(await client.PostAsync($"/api/apps/{App}/encrypt", key, new { items = new[] { new { value = "a" }, new { value = "b" } } }), HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.True(refuseCreation.Refused > 0);
    }

    private sealed record Call(string Name, HttpMethod Method, string Path, string? Key, HttpContent? Content);

    private sealed record Answer(HttpStatusCode Status, string Text, string? ContentType, TimeSpan? RetryAfter);

    // One valid request per route and method, so that only storage can make it fail.
    private static List<Call> Calls(string key, string reference, string configurationId, string keyId, string channelId)
    {
        static HttpContent Json(object body) => new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        var chatEvent = new JsonObject { ["id"] = "e1", ["conversationId"] = "c1", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" }, ["text"] = "hi" };
        var sealedEvent = new JsonObject
        {
            ["id"] = "e2", ["conversationId"] = "c1", ["type"] = "message", ["user"] = new JsonObject { ["type"] = "user" },
            ["text"] = new JsonObject { ["$shroud"] = reference, ["redacted"] = "★★★★★" },
        };
        var media = new ByteArrayContent([1, 2, 3]);
        media.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var admin = ShroudFactory.BootstrapKey;
        return
        [
            new("health", HttpMethod.Get, "/api/health", null, null),
            new("health (HEAD)", HttpMethod.Head, "/api/health", null, null),
            new("create app", HttpMethod.Post, "/api/apps", admin, Json(new { id = "another-app" })),
            new("list apps", HttpMethod.Get, "/api/apps", admin, null),
            new("get app", HttpMethod.Get, $"/api/apps/{App}", key, null),
            new("patch app", HttpMethod.Patch, $"/api/apps/{App}", key, Json(new { redactionText = "[hidden]" })),
            new("create key", HttpMethod.Post, $"/api/apps/{App}/keys", admin, Json(new { name = "k", permissions = new[] { "encrypt" } })),
            new("list keys", HttpMethod.Get, $"/api/apps/{App}/keys", admin, null),
            new("revoke key", HttpMethod.Delete, $"/api/apps/{App}/keys/{keyId}", admin, null),
            new("encrypt", HttpMethod.Post, $"/api/apps/{App}/encrypt", key, Json(new { value = "x" })),
            new("decrypt", HttpMethod.Post, $"/api/apps/{App}/decrypt", key, Json(new { @ref = reference })),
            new("list keks", HttpMethod.Get, $"/api/apps/{App}/kek", key, null),
            new("rotate kek", HttpMethod.Post, $"/api/apps/{App}/kek/rotate", key, null),
            new("maintenance", HttpMethod.Post, "/api/maintenance/run", admin, null),
            new("list configurations", HttpMethod.Get, $"/api/apps/{App}/configurations", key, null),
            new("create configuration", HttpMethod.Post, $"/api/apps/{App}/configurations", key, Json(new { name = "other" })),
            new("get configuration", HttpMethod.Get, $"/api/apps/{App}/configurations/{configurationId}", key, null),
            new("replace configuration", HttpMethod.Put, $"/api/apps/{App}/configurations/{configurationId}", key, Json(new { name = "strict" })),
            new("patch configuration", HttpMethod.Patch, $"/api/apps/{App}/configurations/{configurationId}", key, Json(new { transcript = true })),
            new("delete configuration", HttpMethod.Delete, $"/api/apps/{App}/configurations/{configurationId}", key, null),
            new("list channels", HttpMethod.Get, $"/api/apps/{App}/channels", key, null),
            new("create channel", HttpMethod.Post, $"/api/apps/{App}/channels", key, Json(Channel)),
            new("get channel", HttpMethod.Get, $"/api/apps/{App}/channels/{channelId}", key, null),
            new("replace channel", HttpMethod.Put, $"/api/apps/{App}/channels/{channelId}", key, Json(Channel)),
            new("patch channel", HttpMethod.Patch, $"/api/apps/{App}/channels/{channelId}", key, Json(new { name = "renamed" })),
            new("delete channel", HttpMethod.Delete, $"/api/apps/{App}/channels/{channelId}", key, null),
            new("send through channel", HttpMethod.Post, $"/api/apps/{App}/channels/{channelId}/messages", key,
                Json(new { chat_id = 1, text = new Dictionary<string, string> { ["$shroud"] = reference } })),
            new("channel webhook", HttpMethod.Post, $"/api/apps/{App}/channels/{channelId}/webhook", null, Json(new { update_id = 1 })),
            new("channel webhook handshake", HttpMethod.Get, $"/api/apps/{App}/channels/{channelId}/webhook?hub.mode=subscribe", null, null),
            new("list deliveries", HttpMethod.Get, $"/api/apps/{App}/channels/{channelId}/deliveries?status=failed", key, null),
            new("retry delivery", HttpMethod.Post, $"/api/apps/{App}/channels/{channelId}/deliveries/{new string('0', 32)}/retry", key, null),
            new("start conversation", HttpMethod.Put, $"/api/apps/{App}/conversations/c1/encryption", key, Json(new { configurationId })),
            new("get conversation", HttpMethod.Get, $"/api/apps/{App}/conversations/c1/encryption", key, null),
            new("end conversation", HttpMethod.Delete, $"/api/apps/{App}/conversations/c1/encryption", key, null),
            new("events", HttpMethod.Post, $"/api/apps/{App}/events", key, new StringContent(chatEvent.ToJsonString(), Encoding.UTF8, "application/json")),
            new("events reveal", HttpMethod.Post, $"/api/apps/{App}/events/reveal", key, new StringContent(sealedEvent.ToJsonString(), Encoding.UTF8, "application/json")),
            new("media", HttpMethod.Post, $"/api/apps/{App}/media", key, media),
            new("media reveal", HttpMethod.Post, $"/api/apps/{App}/media/reveal", key, Json(new { @ref = reference })),
            new("decrypt batch", HttpMethod.Post, $"/api/apps/{App}/decrypt", key, Json(new { refs = new[] { reference, reference } })),
            new("encrypt batch", HttpMethod.Post, $"/api/apps/{App}/encrypt", key, Json(new { items = new[] { new { value = "a" }, new { value = "b" } } })),
            new("app audit", HttpMethod.Get, $"/api/apps/{App}/audit", key, null),
            new("verify app audit", HttpMethod.Get, $"/api/apps/{App}/audit/verify", key, null),
            new("deployment audit", HttpMethod.Get, "/api/audit", admin, null),
        ];
    }

    private static async Task<Answer> SendAsync(ShroudFactory factory, Call call)
    {
        using var request = new HttpRequestMessage(call.Method, call.Path) { Content = call.Content };
        if (call.Key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", call.Key);
        }

        using var response = await factory.CreateClient().SendAsync(request);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
    }

    /// <summary>Storage that refuses to create tables and containers (as an account without that right would).</summary>
    private static RefuseWhilePolicy RefuseCreation() => new(
        r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("/Tables", StringComparison.Ordinal)
            || r.Method == RequestMethod.Put && r.Uri.Query.Contains("restype=container", StringComparison.Ordinal),
        403);
}
