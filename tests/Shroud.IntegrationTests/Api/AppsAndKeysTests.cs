using System.Net;
using System.Text.Json.Nodes;
using Shroud.Api;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

[Collection(AzuriteCollection.Name)]
public sealed class AppsAndKeysTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly ShroudFactory factory = new(azurite);
    private ShroudClient client = null!;

    public Task InitializeAsync()
    {
        client = new ShroudClient(factory.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task Creating_an_app_needs_the_bootstrap_admin_key_and_a_valid_unused_id()
    {
        var created = await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "acme-support" });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("acme-support", created.Body!["id"]!.GetValue<string>());

        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "acme-support" }), HttpStatusCode.Conflict, "app_exists");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "Bad Id!" }), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { }), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", null, new { id = "another" }), HttpStatusCode.Unauthorized, "unauthorized");

        var appKey = await client.CreateKeyAsync("acme-support", "admin", "encrypt", "decrypt", "configure");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps", appKey, new { id = "another" }), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Keys_are_shown_once_listed_without_secrets_and_revoked()
    {
        await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "key-app" });
        var created = await client.PostAsync("/api/apps/key-app/keys", ShroudFactory.BootstrapKey, new { name = "webhook", permissions = new[] { "encrypt", "decrypt" } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Body!["id"]!.GetValue<string>();
        var secret = created.Body!["key"]!.GetValue<string>();
        Assert.Equal(["encrypt", "decrypt"], created.Body!["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));

        var listed = await client.SendAsync(HttpMethod.Get, "/api/apps/key-app/keys", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        var entry = Assert.Single(listed.Body!["items"]!.AsArray());
        Assert.Equal(id, entry!["id"]!.GetValue<string>());
        Assert.Equal("webhook", entry["name"]!.GetValue<string>());
        Assert.Null(entry["key"]);
        Assert.DoesNotContain(secret[20..], listed.Body.ToJsonString());

        await client.EncryptAsync("key-app", secret, new { value = "works" });
        var revoked = await client.SendAsync(HttpMethod.Delete, $"/api/apps/key-app/keys/{id}", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/key-app/encrypt", secret, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");

        var afterRevoke = await client.SendAsync(HttpMethod.Get, "/api/apps/key-app/keys", ShroudFactory.BootstrapKey);
        Assert.NotNull(Assert.Single(afterRevoke.Body!["items"]!.AsArray())!["revokedAt"]);
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Delete, "/api/apps/key-app/keys/0123456789abcdef", ShroudFactory.BootstrapKey), HttpStatusCode.NotFound, "key_not_found");
    }

    [Fact]
    public async Task An_app_key_with_admin_manages_keys_of_its_own_app_only()
    {
        var admin = await client.CreateAppWithKeyAsync("admin-app", "admin", "encrypt");
        await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "admin-other" });

        var created = await client.PostAsync("/api/apps/admin-app/keys", admin, new { name = "bot", permissions = new[] { "encrypt" } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/admin-other/keys", admin, new { name = "bot", permissions = new[] { "encrypt" } }), HttpStatusCode.Unauthorized, "unauthorized");

        var encryptOnly = created.Body!["key"]!.GetValue<string>();
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps/admin-app/keys", encryptOnly), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_key_grants_only_permissions_it_holds_itself()
    {
        var adminOnly = await client.CreateAppWithKeyAsync("grant-app", "admin");
        var adminEncrypt = await client.CreateKeyAsync("grant-app", "admin", "encrypt");

        var escalation = ShroudClient.AssertProblem(
            await client.PostAsync("/api/apps/grant-app/keys", adminOnly, new { name = "reader", permissions = new[] { "decrypt" } }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("'decrypt'", escalation["detail"]!.GetValue<string>());
        var partly = ShroudClient.AssertProblem(
            await client.PostAsync("/api/apps/grant-app/keys", adminEncrypt, new { name = "all", permissions = new[] { "encrypt", "decrypt", "configure" } }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("'decrypt', 'configure'", partly["detail"]!.GetValue<string>());
        Assert.DoesNotContain("'encrypt'", partly["detail"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/apps/grant-app/keys", adminEncrypt, new { name = "bot", permissions = new[] { "encrypt" } })).Status);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/apps/grant-app/keys", adminOnly, new { name = "deputy", permissions = new[] { "admin" } })).Status);
        var listed = await client.SendAsync(HttpMethod.Get, "/api/apps/grant-app/keys", ShroudFactory.BootstrapKey);
        Assert.DoesNotContain(listed.Body!["items"]!.AsArray(), k => k!["permissions"]!.AsArray().Any(p => p!.GetValue<string>() is "decrypt" or "configure"));

        // The bootstrap admin key is the break-glass key: it still grants anything to any app.
        var (status, created, _) = await client.PostAsync("/api/apps/grant-app/keys", ShroudFactory.BootstrapKey, new { name = "security", permissions = new[] { "decrypt" } });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["decrypt"], created!["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public async Task Operators_list_every_app_a_page_at_a_time_with_ids_and_creation_times_only()
    {
        var ids = Enumerable.Range(0, AppsApi.AppsPerPage + 5).Select(i => $"listed-{i:D3}").ToList();
        foreach (var chunk in ids.Chunk(10))
        {
            await Task.WhenAll(chunk.Select(async id => Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id })).Status)));
        }

        var seen = new List<JsonNode>();
        string? token = null;
        var pages = 0;
        do
        {
            var path = token is null ? "/api/apps" : $"/api/apps?continuationToken={token}";
            var (status, body, _) = await client.SendAsync(HttpMethod.Get, path, ShroudFactory.BootstrapKey);
            Assert.Equal(HttpStatusCode.OK, status);
            var items = body!["items"]!.AsArray();
            Assert.True(items.Count <= AppsApi.AppsPerPage);
            seen.AddRange(items.Select(i => i!));
            token = body["continuationToken"]?.GetValue<string>();
            Assert.True(token is null || Uri.EscapeDataString(token) == token, $"token {token} is not URL-safe");
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.True(pages >= 2, $"{ids.Count} apps came in {pages} page(s)");
        Assert.Equal(ids, seen.Select(i => i["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(seen, item =>
        {
            Assert.Equal(["id", "createdAt"], item.AsObject().Select(p => p.Key));
            Assert.Equal(factory.Clock.GetUtcNow(), item["createdAt"]!.GetValue<DateTimeOffset>());
        });
    }

    [Fact]
    public async Task Listing_apps_needs_the_bootstrap_admin_key_and_a_token_from_a_previous_page()
    {
        var appKey = await client.CreateAppWithKeyAsync("lister", "admin", "encrypt", "decrypt", "configure");

        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps", appKey), HttpStatusCode.Unauthorized, "unauthorized");
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps", key: null), HttpStatusCode.Unauthorized, "unauthorized");
        foreach (var query in new[] { "continuationToken=not%20a%20token!", "continuationToken=", "continuationToken=YQ&continuationToken=YQ" })
        {
            var problem = ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, $"/api/apps?{query}", ShroudFactory.BootstrapKey), HttpStatusCode.BadRequest, "validation_failed");
            Assert.NotNull(problem["errors"]!["continuationToken"]);
        }
    }

    [Fact]
    public async Task Key_requests_are_validated()
    {
        await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "valid-app" });

        var unknown = ShroudClient.AssertProblem(await client.PostAsync("/api/apps/valid-app/keys", ShroudFactory.BootstrapKey, new { name = "k", permissions = new[] { "encrypt", "root" } }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.NotNull(unknown["errors"]!["permissions[1]"]);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/valid-app/keys", ShroudFactory.BootstrapKey, new { name = "k", permissions = Array.Empty<string>() }), HttpStatusCode.BadRequest, "validation_failed");
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/valid-app/keys", ShroudFactory.BootstrapKey, new { permissions = new[] { "encrypt" } }), HttpStatusCode.BadRequest, "validation_failed");
    }
}
