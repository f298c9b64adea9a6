using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Access;
using Shroud.IntegrationTests.Infrastructure;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Api;

/// <summary>The API key cache: revocations win over lookups in flight, and made-up key ids do not reach storage each time.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class KeyCacheTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string App = "key-cache-app";
    private readonly ShroudFactory factory = new(azurite);
    private PausingApiKeyStore keys = null!;
    private WebApplicationFactory<Program> host = null!;
    private ShroudClient client = null!;

    public Task InitializeAsync()
    {
        host = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<IApiKeyStore>(sp =>
                keys = new PausingApiKeyStore(new ApiKeyTable(sp.GetRequiredService<StorageAccount>().Apps)))));
        client = new ShroudClient(host.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task A_revocation_is_not_undone_by_a_key_lookup_that_started_before_it()
    {
        var key = await client.CreateAppWithKeyAsync(App, "encrypt");
        var keyId = KeyId(key);
        keys.Pause(keyId);

        // This call has read the key, still valid, from storage, and is held before it can cache it.
        var inFlight = client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "started before the revocation" });
        await keys.ReadDone.WaitAsync(TimeSpan.FromSeconds(30));
        var revoked = await client.SendAsync(HttpMethod.Delete, $"/api/apps/{App}/keys/{keyId}", ShroudFactory.BootstrapKey);
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);
        keys.Release();
        await inFlight;

        ShroudClient.AssertProblem(await client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = "after the revocation" }), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Concurrent_calls_with_a_key_not_cached_yet_share_one_storage_read()
    {
        var key = await client.CreateAppWithKeyAsync(App, "encrypt");
        var keyId = KeyId(key);
        await client.EncryptAsync(App, await client.CreateKeyAsync(App, "encrypt"), new { value = "the app is cached" });
        keys.Pause(keyId);
        factory.StorageRequests.Reset();

        var calls = Enumerable.Range(0, 10).Select(i => client.PostAsync($"/api/apps/{App}/encrypt", key, new { value = $"v{i}" })).ToList();
        await keys.ReadDone.WaitAsync(TimeSpan.FromSeconds(30));

        // Time for the other calls to reach the key check while the first lookup is held.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        keys.Release();

        Assert.All(await Task.WhenAll(calls), c => Assert.Equal(HttpStatusCode.OK, c.Status));
        Assert.Single(KeyReads(keyId));
    }

    [Fact]
    public async Task An_unknown_key_id_costs_one_storage_read_until_it_is_forgotten_and_a_new_key_works_at_once()
    {
        var key = await client.CreateAppWithKeyAsync(App, "encrypt");
        var unknown = ApiKeyToken.Prefix + "0123456789abcdef" + key[(ApiKeyToken.Prefix.Length + 16)..];

        factory.StorageRequests.Reset();
        for (var i = 0; i < 5; i++)
        {
            ShroudClient.AssertProblem(await client.PostAsync($"/api/apps/{App}/encrypt", unknown, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        }

        Assert.Single(KeyReads("0123456789abcdef"));

        factory.Clock.Advance(Gatekeeper.UnknownKeyLifetime);
        ShroudClient.AssertProblem(await client.PostAsync($"/api/apps/{App}/encrypt", unknown, new { value = "x" }), HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(2, KeyReads("0123456789abcdef").Count);

        var created = await client.CreateKeyAsync(App, "encrypt");
        await client.EncryptAsync(App, created, new { value = "a new key works at once" });
    }

    private IReadOnlyList<string> KeyReads(string keyId) =>
        factory.StorageRequests.Requests.Where(r => r.Contains($"key-{keyId}", StringComparison.Ordinal)).ToList();

    private static string KeyId(string key) => key.Substring(ApiKeyToken.Prefix.Length, 16);
}
