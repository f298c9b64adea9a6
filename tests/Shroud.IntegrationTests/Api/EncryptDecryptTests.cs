using System.Buffers.Text;
using System.Net;
using Azure.Data.Tables;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Api;

[Collection(AzuriteCollection.Name)]
public sealed class EncryptDecryptTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt")
{
    private const string App = "acme-support";

    private TableClient Records => Factory.Table("records");

    [Fact]
    public async Task Encrypted_value_decrypts_until_its_ttl_ends_then_answers_the_redacted_form()
    {
        var sealedValue = await Client.EncryptAsync(App, Key, new { value = "jane@example.com", ttl = "PT1H" });
        var reference = sealedValue["ref"]!.GetValue<string>();
        var expiresAt = sealedValue["expiresAt"]!.GetValue<DateTimeOffset>();

        Assert.Equal("★★★★★", sealedValue["redacted"]!.GetValue<string>());
        Assert.Equal(Factory.Clock.GetUtcNow().AddHours(1), expiresAt);
        Assert.DoesNotContain("jane", reference);

        var revealed = await Client.DecryptAsync(App, Key, new { @ref = reference });
        Assert.Equal("jane@example.com", revealed["value"]!.GetValue<string>());
        Assert.False(revealed["expired"]!.GetValue<bool>());
        Assert.Equal(expiresAt, revealed["expiresAt"]!.GetValue<DateTimeOffset>());

        Factory.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("jane@example.com", (await Client.DecryptAsync(App, Key, new { @ref = reference }))["value"]!.GetValue<string>());

        Factory.Clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await Client.DecryptAsync(App, Key, new { @ref = reference });
        Assert.Equal("★★★★★", expired["value"]!.GetValue<string>());
        Assert.True(expired["expired"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Plaintext_answers_are_never_cached()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "x" }))["ref"]!.GetValue<string>();

        var (_, _, response) = await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference });

        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Ttl_defaults_to_24_hours()
    {
        var sealedValue = await Client.EncryptAsync(App, Key, new { value = "x" });

        Assert.Equal(Factory.Clock.GetUtcNow().AddHours(24), sealedValue["expiresAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Unicode_and_empty_values_round_trip()
    {
        foreach (var value in new[] { "", "Zoë ✓ 😀 \u0000 \"quoted\"", new string('x', 60 * 1024) })
        {
            var reference = (await Client.EncryptAsync(App, Key, new { value }))["ref"]!.GetValue<string>();
            Assert.Equal(value, (await Client.DecryptAsync(App, Key, new { @ref = reference }))["value"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Batch_of_100_is_sealed_in_order_and_revealed_in_order()
    {
        var values = Enumerable.Range(0, 100).Select(i => $"value {i}").ToList();
        var sealedValues = await Client.EncryptAsync(App, Key, new { items = values.Select(v => new { value = v, ttl = "PT10M" }) });
        var references = sealedValues["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()).ToList();

        Assert.Equal(100, references.Distinct().Count());
        var revealed = await Client.DecryptAsync(App, Key, new { refs = references });
        Assert.Equal(values, revealed["items"]!.AsArray().Select(i => i!["value"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Encrypt_is_one_storage_write_and_decrypt_one_point_read_and_one_audit_write_once_keys_are_cached()
    {
        var warmUp = (await Client.EncryptAsync(App, Key, new { value = "warm" }))["ref"]!.GetValue<string>();
        await Client.DecryptAsync(App, Key, new { @ref = warmUp });

        Factory.StorageRequests.Reset();
        var reference = (await Client.EncryptAsync(App, Key, new { value = "counted" }))["ref"]!.GetValue<string>();
        Assert.Equal(["POST"], Factory.StorageRequests.Requests.Select(r => r.Split(' ')[0]));

        Factory.StorageRequests.Reset();
        await Client.DecryptAsync(App, Key, new { @ref = reference });
        Assert.Equal(2, Factory.StorageRequests.Requests.Count);
        var read = Assert.Single(Factory.StorageRequests.Requests, r => r.StartsWith("GET", StringComparison.Ordinal));
        Assert.Contains("records(PartitionKey=", Uri.UnescapeDataString(read));
        Assert.Single(Factory.StorageRequests.Requests, r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("audit", StringComparison.Ordinal));

        Factory.StorageRequests.Reset();
        var batch = await Client.EncryptAsync(App, Key, new { items = Enumerable.Range(0, 100).Select(i => new { value = $"v{i}" }) });
        Assert.Equal(["POST"], Factory.StorageRequests.Requests.Select(r => r.Split(' ')[0]));
        Assert.EndsWith("$batch", Assert.Single(Factory.StorageRequests.Requests));

        // A batch of 100 is 100 point reads and still one audit record.
        Factory.StorageRequests.Reset();
        await Client.DecryptAsync(App, Key, new { refs = batch["items"]!.AsArray().Select(i => i!["ref"]!.GetValue<string>()) });
        Assert.Equal(100, Factory.StorageRequests.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)));
        Assert.Single(Factory.StorageRequests.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
        Assert.Equal(101, Factory.StorageRequests.Requests.Count);
    }

    [Fact]
    public async Task Deleted_record_answers_the_redacted_form()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "gone soon" }))["ref"]!.GetValue<string>();
        var row = await SingleRowAsync();
        Assert.Equal(204, (await Records.DeleteEntityAsync(row.PartitionKey, row.RowKey)).Status);

        var revealed = await Client.DecryptAsync(App, Key, new { @ref = reference });
        Assert.True(revealed["expired"]!.GetValue<bool>());
        Assert.Equal("★★★★★", revealed["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rows_hold_no_plaintext()
    {
        await Client.EncryptAsync(App, Key, new { value = "4111-1111-1111-1111" });
        var row = await SingleRowAsync();

        foreach (var (_, value) in row)
        {
            Assert.DoesNotContain("4111", value as string ?? (value is byte[] b ? System.Text.Encoding.Latin1.GetString(b) : ""));
        }
    }

    public static TheoryData<string> Tampering() => ["Data", "Dek", "KekVersion", "ExpiresAt", "ContentType", "AppId"];

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task A_tampered_row_fails_with_the_generic_reference_error(string column)
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "secret" }))["ref"]!.GetValue<string>();
        var row = await SingleRowAsync();
        row[column] = column switch
        {
            "Data" or "Dek" => Flip(row.GetBinary(column)!),
            "KekVersion" => row.GetInt32(column) + 1,
            "ExpiresAt" => row.GetDateTimeOffset(column)!.Value.AddDays(1),
            "AppId" => "another-app",
            _ => "image/png",
        };
        await Records.UpdateEntityAsync(row, row.ETag);

        await AssertGenericReferenceErrorAsync(reference);
    }

    [Fact]
    public async Task A_ciphertext_moved_to_another_row_fails_with_the_generic_reference_error()
    {
        var first = (await Client.EncryptAsync(App, Key, new { value = "first" }))["ref"]!.GetValue<string>();
        await Client.EncryptAsync(App, Key, new { value = "second" });
        var rows = await RowsAsync();
        var firstRow = rows.Single(r => first.Length > 0 && r.RowKey == Rows.RefIdOf(first));
        var secondRow = rows.Single(r => r.RowKey != firstRow.RowKey);
        firstRow["Data"] = secondRow.GetBinary("Data");
        firstRow["Dek"] = secondRow.GetBinary("Dek");
        await Records.UpdateEntityAsync(firstRow, firstRow.ETag);

        await AssertGenericReferenceErrorAsync(first);
    }

    [Fact]
    public async Task A_wrong_ref_kek_fails_with_the_generic_reference_error()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "secret" }))["ref"]!.GetValue<string>();
        var body = Base64Url.DecodeFromChars(reference.AsSpan(5));
        body[30] ^= 0x40; // inside the ref KEK (bytes 24..55)

        await AssertGenericReferenceErrorAsync("shr1." + Base64Url.EncodeToString(body));
    }

    [Fact]
    public async Task A_key_of_one_app_can_never_decrypt_another_apps_data()
    {
        var otherKey = await Client.CreateAppWithKeyAsync("other-app", "encrypt", "decrypt");
        var reference = (await Client.EncryptAsync(App, Key, new { value = "acme only" }))["ref"]!.GetValue<string>();

        // On its own route: the reference belongs to another app.
        ShroudClient.AssertProblem(await Client.PostAsync("/api/apps/other-app/decrypt", otherKey, new { @ref = reference }), HttpStatusCode.BadRequest, "invalid_reference");
        // On the other app's route: the Key is not valid there.
        ShroudClient.AssertProblem(await Client.PostAsync($"/api/apps/{App}/decrypt", otherKey, new { @ref = reference }), HttpStatusCode.Unauthorized, "unauthorized");

        // A reference rewritten to name the other app reaches the row, which does not open under that app.
        var body = Base64Url.DecodeFromChars(reference.AsSpan(5));
        var rewritten = "shr1." + Base64Url.EncodeToString([.. body[..56], .. "other-app"u8]);
        ShroudClient.AssertProblem(await Client.PostAsync("/api/apps/other-app/decrypt", otherKey, new { @ref = rewritten }), HttpStatusCode.BadRequest, "invalid_reference");
    }

    [Fact]
    public async Task Reference_errors_share_one_message_whatever_layer_failed()
    {
        var first = (await Client.EncryptAsync(App, Key, new { value = "one" }))["ref"]!.GetValue<string>();
        var body = Base64Url.DecodeFromChars(first.AsSpan(5));
        body[40] ^= 1;
        var wrongKek = await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = "shr1." + Base64Url.EncodeToString(body) });

        var row = await SingleRowAsync();
        row["Dek"] = Flip(row.GetBinary("Dek")!);
        await Records.UpdateEntityAsync(row, row.ETag);
        var tamperedRow = await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = first });

        Assert.Equal(
            ShroudClient.AssertProblem(wrongKek, HttpStatusCode.BadRequest, "invalid_reference")["detail"]!.GetValue<string>(),
            ShroudClient.AssertProblem(tamperedRow, HttpStatusCode.BadRequest, "invalid_reference")["detail"]!.GetValue<string>());
    }

    private async Task AssertGenericReferenceErrorAsync(string reference)
    {
        var problem = ShroudClient.AssertProblem(
            await Client.PostAsync($"/api/apps/{App}/decrypt", Key, new { @ref = reference }), HttpStatusCode.BadRequest, "invalid_reference");
        Assert.Equal("ref is not a valid reference for this app.", problem["detail"]!.GetValue<string>());
    }

    private static byte[] Flip(byte[] bytes)
    {
        bytes[bytes.Length / 2] ^= 0x01;
        return bytes;
    }

    private Task<List<TableEntity>> RowsAsync() => Rows.AllAsync(Records);

    private async Task<TableEntity> SingleRowAsync() => Assert.Single(await RowsAsync());
}
