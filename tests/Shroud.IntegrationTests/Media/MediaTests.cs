using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Shroud.Core.Media;
using Shroud.IntegrationTests.Infrastructure;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Media;

[Collection(AzuriteCollection.Name)]
public sealed class MediaTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "admin")
{
    private const string App = "media-app";
    private const int Segment = SegmentedAead.DefaultSegmentSize;

    private BlobContainerClient Container => Azurite.CreateBlobService().GetBlobContainerClient(Factory.TablePrefix.ToLowerInvariant() + "media");

    private async Task<JsonNode> UploadAsync(byte[] bytes, string contentType = "image/png", string? fileName = null, string? ttl = null, string? key = null, bool chunked = false)
    {
        var (status, body) = await TryUploadAsync(bytes, contentType, fileName, ttl, key, chunked);
        Assert.True(status == HttpStatusCode.OK, $"upload answered {status}: {body?.ToJsonString()}");
        return body!;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> TryUploadAsync(byte[] bytes, string contentType = "image/png", string? fileName = null, string? ttl = null, string? key = null, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? Key);
        request.Content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        if (fileName is not null)
        {
            request.Headers.Add("Shroud-File-Name", Uri.EscapeDataString(fileName));
        }

        if (ttl is not null)
        {
            request.Headers.Add("Shroud-Ttl", ttl);
        }

        var response = await Client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<HttpResponseMessage> RevealAsync(string reference, string? key = null, string app = App)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{app}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? Key);
        return await Client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<(HttpStatusCode, JsonNode?, HttpResponseMessage)> AsResult(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Segment)]
    [InlineData(Segment + 1)]
    [InlineData((5 * 1024 * 1024) + 123)]
    public async Task Media_round_trips_with_an_identical_sha256_and_its_content_type(int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);

        var sealedMedia = await UploadAsync(bytes, "image/jpeg", fileName: "passport scan.jpg", chunked: length % 2 == 1);

        Assert.Equal(length, sealedMedia["size"]!.GetValue<long>());
        Assert.Equal("image/jpeg", sealedMedia["contentType"]!.GetValue<string>());
        using var response = await RevealAsync(sealedMedia["ref"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(length, response.Content.Headers.ContentLength);
        Assert.Equal("passport scan.jpg", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task The_blob_holds_only_ciphertext()
    {
        var marker = "IDENTITY-CARD-0123456789"u8.ToArray();
        var bytes = Enumerable.Repeat(marker, 10_000).SelectMany(b => b).ToArray();

        await UploadAsync(bytes, "application/pdf", fileName: "jane-doe-id.pdf");

        var blob = (await Rows.AllAsync(Factory.Table("records"))).Single().GetString("BlobName")!;
        var stored = (await Rows.BlobAsync(Container, blob))!;
        Assert.Equal(SegmentedAead.CiphertextLength(bytes.Length), stored.Length);
        Assert.Equal(-1, stored.AsSpan().IndexOf(marker.AsSpan(0, 12)));
        Assert.Equal("application/octet-stream", (await Container.GetBlobClient(blob).GetPropertiesAsync()).Value.ContentType);
        var row = (await Rows.AllAsync(Factory.Table("records"))).Single();
        Assert.DoesNotContain("jane", System.Text.Encoding.Latin1.GetString(row.GetBinary("FileName")!));
    }

    [Fact]
    public async Task Upload_stages_one_block_per_block_size_then_commits_and_writes_one_row_and_reveal_is_two_reads_and_an_audit_write()
    {
        var bytes = RandomNumberGenerator.GetBytes((9 * 1024 * 1024) + 5);
        await UploadAsync([1]);

        Factory.StorageRequests.Reset();
        var reference = (await UploadAsync(bytes, chunked: true))["ref"]!.GetValue<string>();
        var upload = Factory.StorageRequests.Requests;

        // One staged block per block size of ciphertext and the block list commit, all to the one blob.
        var blocks = (int)((SegmentedAead.CiphertextLength(bytes.Length) + MediaContainer.BlockSize - 1) / MediaContainer.BlockSize);
        Assert.True(blocks > 1);
        Assert.Equal(blocks + 1, upload.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("/media-app/", StringComparison.Ordinal)));
        Assert.Equal(blocks + 2, upload.Count);
        Assert.Single(upload, r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("records", StringComparison.Ordinal));

        Factory.StorageRequests.Reset();
        using var response = await RevealAsync(reference);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(["GET", "GET", "POST"], Factory.StorageRequests.Requests.Select(r => r.Split(' ')[0]).Order());
    }

    public static TheoryData<string> Tamperings() => ["reorder", "drop", "duplicate", "truncate", "flip"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Segment_tampering_in_storage_is_detected(string tampering)
    {
        var bytes = RandomNumberGenerator.GetBytes((3 * Segment) + 10);
        var reference = (await UploadAsync(bytes))["ref"]!.GetValue<string>();
        var blob = (await Rows.AllAsync(Factory.Table("records"))).Single().GetString("BlobName")!;
        var all = (await Rows.BlobAsync(Container, blob))!;
        var header = all[..SegmentedAead.HeaderSize];
        var segments = all[SegmentedAead.HeaderSize..].Chunk(Segment + 16).ToList();
        byte[] tampered = tampering switch
        {
            "reorder" => [.. header, .. segments[1], .. segments[0], .. segments[2], .. segments[3]],
            "drop" => [.. header, .. segments[0], .. segments[2], .. segments[3]],
            "duplicate" => [.. header, .. segments[0], .. segments[0], .. segments[1], .. segments[2], .. segments[3]],
            "truncate" => [.. header, .. segments[0], .. segments[1], .. segments[2]],
            _ => Flip(all, SegmentedAead.HeaderSize + (2 * Segment)),
        };
        await Rows.ReplaceBlobAsync(Container, blob, tampered);

        // Refused before the first byte (a problem response), or aborted part-way: never a complete 200 body.
        (HttpStatusCode, JsonNode?, HttpResponseMessage)? refused = null;
        byte[]? read = null;
        var aborted = await Record.ExceptionAsync(async () =>
        {
            var response = await RevealAsync(reference);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                refused = await AsResult(response);
                return;
            }

            using (response)
            {
                read = await response.Content.ReadAsByteArrayAsync();
            }
        });

        if (refused is { } problem)
        {
            ShroudClient.AssertProblem(problem, HttpStatusCode.BadRequest, "invalid_reference");
        }
        else
        {
            Assert.True(aborted is not null, $"read a complete 200 answer of {read?.Length} bytes from a tampered file");
        }
    }

    [Fact]
    public async Task Wrong_app_wrong_ref_kek_missing_permission_expiry_and_deletion_are_refused()
    {
        var reference = (await UploadAsync(RandomNumberGenerator.GetBytes(1000), ttl: "PT10M"))["ref"]!.GetValue<string>();

        var otherKey = await Client.CreateAppWithKeyAsync("media-other", "encrypt", "decrypt");
        ShroudClient.AssertProblem(await AsResult(await RevealAsync(reference, otherKey, "media-other")), HttpStatusCode.BadRequest, "invalid_reference");
        var body = System.Buffers.Text.Base64Url.DecodeFromChars(reference.AsSpan(5));
        body[30] ^= 1;
        ShroudClient.AssertProblem(await AsResult(await RevealAsync("shr1." + System.Buffers.Text.Base64Url.EncodeToString(body))), HttpStatusCode.BadRequest, "invalid_reference");
        var encryptOnly = await Client.CreateKeyAsync(App, "encrypt");
        ShroudClient.AssertProblem(await AsResult(await RevealAsync(reference, encryptOnly)), HttpStatusCode.Forbidden, "forbidden");

        Factory.Clock.Advance(TimeSpan.FromMinutes(10));
        ShroudClient.AssertProblem(await AsResult(await RevealAsync(reference)), HttpStatusCode.Gone, "media_gone");

        var second = (await UploadAsync(RandomNumberGenerator.GetBytes(10)))["ref"]!.GetValue<string>();
        var row = Assert.Single(await Rows.AllAsync(Factory.Table("records"), $"RowKey eq '{Rows.RefIdOf(second)}'"));
        await Factory.Table("records").DeleteEntityAsync(row.PartitionKey, row.RowKey);
        ShroudClient.AssertProblem(await AsResult(await RevealAsync(second)), HttpStatusCode.Gone, "media_gone");
    }

    [Fact]
    public async Task A_record_row_naming_another_app_is_refused()
    {
        var reference = (await UploadAsync(RandomNumberGenerator.GetBytes(1000)))["ref"]!.GetValue<string>();
        var row = (await Rows.AllAsync(Factory.Table("records"))).Single();
        row["AppId"] = "another-app";
        await Factory.Table("records").UpdateEntityAsync(row, row.ETag);

        ShroudClient.AssertProblem(await AsResult(await RevealAsync(reference)), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task Uploads_over_the_limit_are_413_with_or_without_a_content_length()
    {
        await using var small = Factory.Sibling(new Dictionary<string, string?> { ["Shroud:MaxMediaBytes"] = "100000" });
        var client = small.CreateClient();
        foreach (var chunked in new[] { false, true })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = chunked ? new StreamContent(new MemoryStream(new byte[100_001])) : new ByteArrayContent(new byte[100_001]) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
            var response = await client.SendAsync(request);
            ShroudClient.AssertProblem(await AsResult(response), HttpStatusCode.RequestEntityTooLarge, "media_too_large");
        }
    }

    [Fact]
    public async Task The_sweep_deletes_expired_media_blobs_with_their_records()
    {
        await UploadAsync(RandomNumberGenerator.GetBytes(2000), ttl: "PT1M");
        var live = (await UploadAsync(RandomNumberGenerator.GetBytes(2000), ttl: "P1D"))["ref"]!.GetValue<string>();
        var blobs = (await Rows.AllAsync(Factory.Table("records"))).Select(r => r.GetString("BlobName")!).ToList();
        Factory.Clock.Advance(TimeSpan.FromHours(2));

        var (_, report, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);

        Assert.Equal(1, report!["recordsDeleted"]!.GetValue<int>());
        var remaining = await Task.WhenAll(blobs.Select(async b => await Rows.BlobAsync(Container, b) is null ? null : b));
        Assert.Equal([Rows.RefIdOf(live)], remaining.OfType<string>().Select(b => b.Split('/')[1]));
        using var response = await RevealAsync(live);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task After_the_kek_is_destroyed_a_copied_blob_and_record_cannot_be_decrypted()
    {
        var reference = (await UploadAsync(RandomNumberGenerator.GetBytes(5000), ttl: "PT1H"))["ref"]!.GetValue<string>();
        var row = (await Rows.AllAsync(Factory.Table("records"))).Single();
        var blobName = row.GetString("BlobName")!;
        var copy = (await Rows.BlobAsync(Container, blobName))!;

        var sealedAt = Factory.Clock.GetUtcNow();
        await Client.PostAsync($"/api/apps/{App}/kek/rotate", Key, null);
        Factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var (_, report, _) = await Client.PostAsync("/api/maintenance/run", ShroudFactory.BootstrapKey, null);
        Assert.Equal(1, report!["keksDestroyed"]!.GetValue<int>());
        Assert.Null(await Rows.BlobAsync(Container, blobName));

        await Rows.ReplaceBlobAsync(Container, blobName, copy);
        await Factory.Table("records").AddEntityAsync(row);
        Factory.Clock.Advance(sealedAt - Factory.Clock.GetUtcNow());
        ShroudClient.AssertProblem(await AsResult(await RevealAsync(reference)), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task A_media_event_keeps_its_media_reference_and_seals_caption_and_url()
    {
        var mediaRef = (await UploadAsync(RandomNumberGenerator.GetBytes(100)))["ref"]!.GetValue<string>();
        var (_, configuration, _) = await Client.PostAsync($"/api/apps/{App}/configurations", await Client.CreateKeyAsync(App, "configure"), new { name = "media", encryptMedia = true });
        await Client.SendAsync(HttpMethod.Put, $"/api/apps/{App}/conversations/c-media/encryption", Key, new { configurationId = configuration!["id"]!.GetValue<string>() });
        var chatEvent = new JsonObject
        {
            ["id"] = "m1", ["conversationId"] = "c-media", ["type"] = "media", ["user"] = new JsonObject { ["type"] = "user" },
            ["media"] = new JsonObject { ["ref"] = mediaRef, ["caption"] = "my id card", ["url"] = "https://cdn.example/abc.png" },
        };

        var (status, sealedEvent, _) = await Client.PostAsync($"/api/apps/{App}/events", Key, chatEvent.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(mediaRef, sealedEvent!["media"]!["ref"]!.GetValue<string>());
        Assert.Equal(["media.caption", "media.url"], sealedEvent["sealedPaths"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 1;
        return copy;
    }
}
