using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Maintenance;
using Shroud.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Shroud.IntegrationTests.Lifecycle;

/// <summary>
/// Any sweep 60 s or more after a record's expiry deletes it and its media blob, none deletes it before, and rows
/// the previous version keyed by expiry hour keep decrypting and are swept by the same rule.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PromptDeletionTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string App = "prompt-app";

    public static TheoryData<string, bool> Expiries()
    {
        var data = new TheoryData<string, bool>();
        // The clock starts at the top of an hour: expiries at the start, middle and end of a minute and of the hour.
        foreach (var ttl in new[] { "PT10M", "PT10M1S", "PT10M30S", "PT10M59S", "PT59M59S", "PT1H" })
        {
            data.Add(ttl, false);
            data.Add(ttl, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Expiries))]
    public async Task A_sweep_60_seconds_after_expiry_deletes_the_value_and_the_media_blob_and_one_a_second_before_expiry_deletes_nothing(string ttl, bool hourlyLayout)
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var records = factory.Table("records");
        var sealedValue = await client.EncryptAsync(App, key, new { value = "jane@example.com", ttl });
        var valueRef = sealedValue["ref"]!.GetValue<string>();
        var expiresAt = sealedValue["expiresAt"]!.GetValue<DateTimeOffset>();
        var mediaRef = await UploadAsync(client, key, RandomNumberGenerator.GetBytes(3000), ttl);
        var blobName = $"{App}/{Rows.RefIdOf(mediaRef)}";
        if (hourlyLayout)
        {
            await MoveToHourlyLayoutAsync(records, Rows.RefIdOf(valueRef));
            await MoveToHourlyLayoutAsync(records, Rows.RefIdOf(mediaRef));
        }

        factory.Clock.Advance(expiresAt.AddSeconds(-1) - factory.Clock.GetUtcNow());
        var early = await SweepAsync(factory);
        var liveValue = await client.DecryptAsync(App, key, new { @ref = valueRef });
        using var liveMedia = await RevealMediaAsync(client, key, mediaRef);

        factory.Clock.Advance(expiresAt.AddSeconds(60) - factory.Clock.GetUtcNow());
        var prompt = await SweepAsync(factory);

        output.WriteLine($"ttl {ttl}, {(hourlyLayout ? "hourly" : "current")} layout: {early.RecordsDeleted} deleted 1 s before expiry, {prompt.RecordsDeleted} deleted 60 s after");
        Assert.Equal(0, early.RecordsDeleted);
        Assert.Equal("jane@example.com", liveValue["value"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, liveMedia.StatusCode);
        Assert.Equal(2, prompt.RecordsDeleted);
        Assert.Empty(await Rows.AllAsync(records));
        Assert.Null(await Rows.BlobAsync(MediaContainer(factory), blobName));
        Assert.True((await client.DecryptAsync(App, key, new { @ref = valueRef }))["expired"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Across_the_layout_change_every_value_decrypts_until_it_expires_and_is_gone_60_seconds_after()
    {
        await using var factory = new ShroudFactory(azurite);
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var records = factory.Table("records");

        // One batch per layout, so each batch shares a shard: its values of the same hour share one hourly partition,
        // those of the same minute one partition of the current layout, with live and expired rows side by side.
        string[] ttls = ["PT1S", "PT59S", "PT1M", "PT1M30S", "PT1M59S", "PT5M", "PT59M", "PT59M59S", "PT1H", "PT1H1S", "PT1H30M", "P1D"];
        var values = new List<SealedTestValue>();
        foreach (var hourlyLayout in new[] { false, true })
        {
            var items = ttls.Select(ttl => new { value = $"{(hourlyLayout ? "hourly" : "current")} layout, ttl {ttl}", ttl }).ToArray();
            var answer = (await client.EncryptAsync(App, key, new { items }))["items"]!.AsArray();
            for (var i = 0; i < items.Length; i++)
            {
                var reference = answer[i]!["ref"]!.GetValue<string>();
                if (hourlyLayout)
                {
                    await MoveToHourlyLayoutAsync(records, Rows.RefIdOf(reference));
                }

                values.Add(new SealedTestValue(reference, Rows.RefIdOf(reference), items[i].value, answer[i]!["expiresAt"]!.GetValue<DateTimeOffset>()));
            }
        }

        var lastExpiry = values.Where(v => v.ExpiresAt < factory.Clock.GetUtcNow().AddHours(2)).Max(v => v.ExpiresAt);
        var moments = values
            .SelectMany(v => new[] { v.ExpiresAt.AddSeconds(-1), v.ExpiresAt, v.ExpiresAt.AddSeconds(59), v.ExpiresAt.AddSeconds(60) })
            .Where(m => m <= lastExpiry.AddSeconds(60))
            .Distinct()
            .Order()
            .ToList();
        var deleted = 0;
        foreach (var moment in moments)
        {
            factory.Clock.Advance(moment - factory.Clock.GetUtcNow());
            var now = factory.Clock.GetUtcNow();
            deleted += (await SweepAsync(factory)).RecordsDeleted;

            var stored = (await Rows.AllAsync(records)).Select(r => r.RowKey).ToHashSet();
            foreach (var value in values)
            {
                Assert.False(value.ExpiresAt > now && !stored.Contains(value.RefId), $"'{value.Value}' (expires {value.ExpiresAt:HH:mm:ss}) was deleted at {now:HH:mm:ss.fff}, before it expired.");
                Assert.False(now >= value.ExpiresAt.AddSeconds(60) && stored.Contains(value.RefId), $"'{value.Value}' (expires {value.ExpiresAt:HH:mm:ss}) is still stored at {now:HH:mm:ss.fff}.");
            }

            var live = values.Where(v => v.ExpiresAt > now).ToList();
            var revealed = (await client.DecryptAsync(App, key, new { refs = live.Select(v => v.Ref).ToArray() }))["items"]!.AsArray();
            Assert.Equal(live.Select(v => v.Value), revealed.Select(r => r!["value"]!.GetValue<string>()));
        }

        output.WriteLine($"{moments.Count} sweeps from 1 s before the first expiry to 60 s after the last: {deleted} rows deleted, none early, none late; {values.Count(v => v.ExpiresAt > factory.Clock.GetUtcNow())} live rows of both layouts kept");
        Assert.Equal(values.Count(v => v.ExpiresAt <= lastExpiry), deleted);
        Assert.Equal(2, (await Rows.AllAsync(records)).Count);
    }

    private static Task<MaintenanceReport> SweepAsync(ShroudFactory factory) =>
        factory.Services.GetRequiredService<MaintenanceJob>().RunAsync(MaintenanceTasks.Sweep, CancellationToken.None);

    /// <summary>
    /// Re-keys a record's row as the previous version wrote it: partition = expiry hour (<c>yyyyMMddHH</c>) and shard.
    /// The associated data binds app, ref id and expiry, not the partition, so the row still opens where it lands.
    /// </summary>
    private static async Task MoveToHourlyLayoutAsync(TableClient records, string refId)
    {
        var row = Assert.Single(await Rows.AllAsync(records, $"RowKey eq '{refId}'"));
        var shard = row.PartitionKey[(row.PartitionKey.LastIndexOf('-') + 1)..];
        var hourly = new TableEntity($"{row.GetDateTimeOffset("ExpiresAt")!.Value.UtcDateTime:yyyyMMddHH}-{shard}", row.RowKey);
        foreach (var (name, value) in row.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")))
        {
            hourly[name] = value;
        }

        await records.AddEntityAsync(hourly);
        await records.DeleteEntityAsync(row.PartitionKey, row.RowKey);
    }

    private static async Task<string> UploadAsync(ShroudClient client, string key, byte[] bytes, string ttl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent(bytes) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("Shroud-Ttl", ttl);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<MediaAnswer>())!.Ref;
    }

    private static async Task<HttpResponseMessage> RevealMediaAsync(ShroudClient client, string key, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = reference }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.Http.SendAsync(request);
    }

    private BlobContainerClient MediaContainer(ShroudFactory factory) =>
        azurite.CreateBlobService().GetBlobContainerClient(factory.TablePrefix.ToLowerInvariant() + "media");

    private sealed record MediaAnswer(string Ref);

    private sealed record SealedTestValue(string Ref, string RefId, string Value, DateTimeOffset ExpiresAt);
}
