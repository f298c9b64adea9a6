using System.Net;
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
        var admin = await client.CreateAppWithKeyAsync("admin-app", "admin");
        await client.PostAsync("/api/apps", ShroudFactory.BootstrapKey, new { id = "admin-other" });

        var created = await client.PostAsync("/api/apps/admin-app/keys", admin, new { name = "bot", permissions = new[] { "encrypt" } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        ShroudClient.AssertProblem(await client.PostAsync("/api/apps/admin-other/keys", admin, new { name = "bot", permissions = new[] { "encrypt" } }), HttpStatusCode.Unauthorized, "unauthorized");

        var encryptOnly = created.Body!["key"]!.GetValue<string>();
        ShroudClient.AssertProblem(await client.SendAsync(HttpMethod.Get, "/api/apps/admin-app/keys", encryptOnly), HttpStatusCode.Forbidden, "forbidden");
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
