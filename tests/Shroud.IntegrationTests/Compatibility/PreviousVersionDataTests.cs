using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Compatibility;

/// <summary>
/// Rows and blobs written by the previous storage layer (hand-written clients, commit e8ebf92) stay readable
/// through the SDK-based one: same tables, columns, EDM types and partition keys.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PreviousVersionDataTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly PreviousVersionData Data = PreviousVersionData.Load();

    private readonly ShroudFactory factory = new(azurite, new Dictionary<string, string?>
    {
        ["Shroud:BootstrapAdminKey"] = Data.Settings.BootstrapAdminKey,
        ["Shroud:MaxTtl"] = Data.Settings.MaxTtl,
        ["RootKeys:ActiveKeyId"] = Data.Settings.RootKeyId,
        [$"RootKeys:Keys:{Data.Settings.RootKeyId}"] = Data.Settings.RootKey,
        ["RootKeys:Keys:test"] = null,
    });

    private ShroudClient client = null!;

    private string AppPath => $"/api/apps/{Data.AppId}";

    private string Key => Data.ApiKey.Secret;

    private BlobContainerClient Container => azurite.CreateBlobService().GetBlobContainerClient(factory.TablePrefix.ToLowerInvariant() + "media");

    public async Task InitializeAsync()
    {
        await Data.SeedAsync(azurite.CreateTableService(), azurite.CreateBlobService(), factory.TablePrefix);

        // The captured values live ten years; reading them minutes after they were sealed keeps the outcome
        // independent of the day the test runs, and the app KEK inside its active period as it was then.
        factory.Clock.Advance(Data.SealedAt.AddMinutes(5) - factory.Clock.GetUtcNow());
        client = new ShroudClient(factory.CreateClient());
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task A_single_value_decrypts_to_its_plaintext()
    {
        var answer = await client.DecryptAsync(Data.AppId, Key, new { @ref = Data.Single.Ref });

        Assert.Equal(Data.Single.Value, answer["value"]!.GetValue<string>());
        Assert.False(answer["expired"]!.GetValue<bool>());
        Assert.Equal(Data.Single.ExpiresAt, answer["expiresAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task A_batch_decrypts_to_its_plaintexts_in_order()
    {
        var answer = await client.DecryptAsync(Data.AppId, Key, new { refs = Data.Batch.Select(v => v.Ref).ToArray() });

        var items = answer["items"]!.AsArray();
        Assert.Equal(Data.Batch.Select(v => v.Value), items.Select(i => i!["value"]!.GetValue<string>()));
        Assert.All(items, i => Assert.False(i!["expired"]!.GetValue<bool>()));
        Assert.Equal(Data.Batch.Select(v => v.ExpiresAt), items.Select(i => i!["expiresAt"]!.GetValue<DateTimeOffset>()));
    }

    [Fact]
    public async Task The_api_key_authenticates_with_its_permissions_and_the_app_kek_reads_back()
    {
        var (keysStatus, keys, _) = await client.SendAsync(HttpMethod.Get, $"{AppPath}/keys", Key);
        var (kekStatus, keks, _) = await client.SendAsync(HttpMethod.Get, $"{AppPath}/kek", Key);
        var forged = await client.SendAsync(HttpMethod.Get, $"{AppPath}/keys", Key[..^1] + (Key[^1] == 'A' ? 'B' : 'A'));

        Assert.Equal(HttpStatusCode.OK, keysStatus);
        var key = Assert.Single(keys!["items"]!.AsArray())!;
        Assert.Equal(Data.ApiKey.Id, key["id"]!.GetValue<string>());
        Assert.Equal(Data.ApiKey.Name, key["name"]!.GetValue<string>());
        Assert.Equal(Data.ApiKey.Permissions, key["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(Data.ApiKey.CreatedAt, key["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(HttpStatusCode.OK, kekStatus);
        var kek = Assert.Single(keks!["items"]!.AsArray())!;
        Assert.Equal(1, kek["version"]!.GetValue<int>());
        Assert.True(kek["active"]!.GetValue<bool>());
        Assert.Equal(Data.Settings.RootKeyId, kek["rootKeyId"]!.GetValue<string>());
        ShroudClient.AssertProblem(forged, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task The_configuration_and_the_app_default_read_back_as_the_previous_version_answered()
    {
        var (configurationStatus, configuration, _) = await client.SendAsync(HttpMethod.Get, $"{AppPath}/configurations/{Data.Configuration["id"]!.GetValue<string>()}", Key);
        var (appStatus, app, _) = await client.SendAsync(HttpMethod.Get, AppPath, Key);

        Assert.Equal(HttpStatusCode.OK, configurationStatus);
        Assert.True(JsonNode.DeepEquals(Data.Configuration, configuration), configuration?.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, appStatus);
        Assert.True(JsonNode.DeepEquals(Data.App, app), app?.ToJsonString());
    }

    [Fact]
    public async Task The_conversation_encryption_reads_back_as_the_previous_version_answered()
    {
        var (status, conversation, _) = await client.SendAsync(HttpMethod.Get, $"{AppPath}/conversations/{Data.Conversation["conversationId"]!.GetValue<string>()}/encryption", Key);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonNode.DeepEquals(Data.Conversation, conversation), conversation?.ToJsonString());
    }

    [Fact]
    public async Task Sealed_chat_events_reveal_to_their_original_text_variables_and_payload()
    {
        var (status, revealed, _) = await client.PostAsync($"{AppPath}/events/reveal", Key, Data.SealedEvents);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(JsonNode.DeepEquals(Data.RevealedEvents, revealed), revealed?.ToJsonString());
    }

    [Fact]
    public async Task Media_reveals_with_identical_bytes_content_type_and_file_name()
    {
        using var response = await RevealMediaAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Convert.FromBase64String(Data.Media.ContentBase64), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(Data.Media.ContentType, response.Content.Headers.ContentType?.MediaType);
        var disposition = response.Content.Headers.ContentDisposition!;
        Assert.Equal(Data.Media.FileName, disposition.FileNameStar ?? disposition.FileName);
    }

    [Fact]
    public async Task Maintenance_60_seconds_after_expiry_deletes_every_record_and_the_media_blob()
    {
        var lastExpiry = Data.Batch.Select(v => v.ExpiresAt).Append(Data.Single.ExpiresAt).Append(Data.Media.ExpiresAt).Max();
        // The previous version keyed these rows by expiry hour; they go 60 s after their expiry, within that hour.
        factory.Clock.Advance(lastExpiry.AddSeconds(60) - factory.Clock.GetUtcNow());

        var (status, report, _) = await client.PostAsync("/api/maintenance/run", Data.Settings.BootstrapAdminKey, null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, report!["appsFailed"]!.GetValue<int>());
        Assert.Equal(Data.Rows.Count(r => r.Table == "records"), report["recordsDeleted"]!.GetValue<int>());
        Assert.Empty(await Rows.AllAsync(factory.Table("records")));
        foreach (var blob in Data.Blobs)
        {
            Assert.Null(await Rows.BlobAsync(Container, blob.Name));
        }

        var swept = await client.DecryptAsync(Data.AppId, Key, new { @ref = Data.Single.Ref });
        Assert.True(swept["expired"]!.GetValue<bool>());
        Assert.Equal(Data.App["redactionText"]!.GetValue<string>(), swept["value"]!.GetValue<string>());
        using var media = await RevealMediaAsync();
        Assert.Equal(HttpStatusCode.Gone, media.StatusCode);
    }

    private async Task<HttpResponseMessage> RevealMediaAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{AppPath}/media/reveal") { Content = JsonContent.Create(new { @ref = Data.Media.Ref }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return await client.Http.SendAsync(request);
    }
}
