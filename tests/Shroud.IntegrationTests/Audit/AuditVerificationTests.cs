using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Shroud.Core.Audit;
using Shroud.Storage;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Audit;

[Collection(AzuriteCollection.Name)]
public sealed class AuditVerificationTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "admin")
{
    private const string App = "verify-app";

    private TableClient AuditRows => Factory.Table("audit");

    [Fact]
    public async Task An_untouched_stream_of_two_writers_verifies_clean()
    {
        await using var sibling = Factory.Sibling();
        var other = new ShroudClient(sibling.CreateClient());
        await WriteRecordsAsync(Client, 4);
        await WriteRecordsAsync(other, 3);
        await WriteRecordsAsync(Client, 2);

        var report = await VerifyAsync();

        Assert.True(report["clean"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Equal(2, report["writers"]!.GetValue<int>());
        Assert.Equal(9 + 1, report["records"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_modified_record_fails_its_mac()
    {
        await WriteRecordsAsync(Client, 3);
        var (row, record) = await RecordAsync(2);
        var modified = AuditTable.ToEntities([record with { Counts = new Dictionary<string, int> { ["expired"] = 0, ["revealed"] = 0 } }]).Single();
        Assert.Equal(row.RowKey, modified.RowKey);
        await AuditRows.UpdateEntityAsync(modified, ETag.All, TableUpdateMode.Replace);

        var finding = Assert.Single((await VerifyAsync())["findings"]!.AsArray());
        Assert.Equal("mac_mismatch", finding!["kind"]!.GetValue<string>());
        Assert.Equal(2, finding["fromSequence"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_deleted_record_leaves_a_gap_in_its_writers_sequence()
    {
        await WriteRecordsAsync(Client, 4);
        var (row, _) = await RecordAsync(3);
        await AuditRows.DeleteEntityAsync(row.PartitionKey, row.RowKey);

        var finding = Assert.Single((await VerifyAsync())["findings"]!.AsArray());
        Assert.Equal("sequence_gap", finding!["kind"]!.GetValue<string>());
        Assert.Equal(3, finding["fromSequence"]!.GetValue<long>());
        Assert.Equal(3, finding["toSequence"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_forged_record_fails_its_mac_and_a_copied_one_repeats_a_sequence_number()
    {
        // The setup's key creation is number 1 of this writer in the app's stream, the decrypts 2 to 4.
        await WriteRecordsAsync(Client, 3);
        var (template, record) = await RecordAsync(2);
        await AuditRows.AddEntityAsync(AuditTable.ToEntities([record with { Sequence = 5, Mac = RandomNumberGenerator.GetBytes(32) }]).Single());
        var copy = new TableEntity(template) { RowKey = Earlier(template.RowKey, 7) + template.RowKey[19..] };
        await AuditRows.AddEntityAsync(copy);

        var findings = (await VerifyAsync())["findings"]!.AsArray().Select(f => $"{f!["kind"]} {f["fromSequence"]}").Order().ToList();

        Assert.Equal(["duplicate_sequence 2", "mac_mismatch 5"], findings);
    }

    [Fact]
    public async Task A_record_moved_to_another_app_fails_its_mac_there()
    {
        var otherKey = await Client.CreateAppWithKeyAsync("verify-other", "admin");
        await WriteRecordsAsync(Client, 2);
        var (row, _) = await RecordAsync(2);
        await AuditRows.AddEntityAsync(new TableEntity(row) { PartitionKey = row.PartitionKey.Replace(App, "verify-other", StringComparison.Ordinal) });

        var (_, report, _) = await Client.SendAsync(HttpMethod.Get, "/api/apps/verify-other/audit/verify", otherKey);

        Assert.Contains(report!["findings"]!.AsArray(), f => f!["kind"]!.GetValue<string>() == "mac_mismatch");
    }

    [Fact]
    public async Task Records_written_under_an_earlier_root_key_still_verify_after_it_is_rotated()
    {
        await WriteRecordsAsync(Client, 2);
        await using var rotated = Factory.Sibling(new Dictionary<string, string?> { ["RootKeys:ActiveKeyId"] = "next", ["RootKeys:Keys:next"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        var client = new ShroudClient(rotated.CreateClient());
        await WriteRecordsAsync(client, 2);

        var (_, report, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit/verify", Key);

        Assert.True(report!["clean"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Equal(["next", "test"], (await Rows.AuditRecordsAsync(AuditRows)).Select(r => r.Record.RootKeyId).Distinct().Order());
    }

    private async Task WriteRecordsAsync(ShroudClient client, int count)
    {
        var reference = (await client.EncryptAsync(App, Key, new { value = "audited" }))["ref"]!.GetValue<string>();
        for (var i = 0; i < count; i++)
        {
            Factory.Clock.Advance(TimeSpan.FromSeconds(1));
            await client.DecryptAsync(App, Key, new { @ref = reference });
        }
    }

    /// <summary>The app's record with sequence number <paramref name="sequence"/> (one writer only), alone in its row.</summary>
    private async Task<(TableEntity Row, AuditRecord Record)> RecordAsync(long sequence)
    {
        var found = Assert.Single(await Rows.AuditRecordsAsync(AuditRows), r => r.Record.Stream == App && r.Record.Sequence == sequence);
        Assert.Equal(1, found.Row.GetInt32("Count"));
        return found;
    }

    /// <summary>The inverted-ticks part of a row key, a few ticks earlier (still inside the verified range).</summary>
    private static string Earlier(string rowKey, long ticks) => (long.Parse(rowKey[..19]) + ticks).ToString("D19");

    private async Task<JsonNode> VerifyAsync()
    {
        var (status, body, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit/verify", Key);
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        return body!;
    }
}
