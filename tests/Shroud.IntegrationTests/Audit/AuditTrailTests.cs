using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core.Access;
using Shroud.Core.Audit;
using Shroud.IntegrationTests.Infrastructure;

namespace Shroud.IntegrationTests.Audit;

[Collection(AzuriteCollection.Name)]
public sealed class AuditTrailTests(AzuriteFixture azurite) : AppTestBase(azurite, App, "encrypt", "decrypt", "configure", "admin")
{
    private const string App = "audit-app";

    private string KeyId => ApiKeyToken.TryParse(Key, out var token) ? token.KeyId : throw new InvalidOperationException("not a key");

    [Fact]
    public async Task A_batch_decrypt_writes_one_record_with_ref_ids_counts_key_and_trace_but_no_reference()
    {
        var sealedValues = (await Client.EncryptAsync(App, Key, new { items = new object[] { new { value = "a@example.com" }, new { value = "b@example.com", ttl = "PT1M" }, new { value = "c" } } }))["items"]!.AsArray()
            .Select(i => i!["ref"]!.GetValue<string>()).ToList();
        Factory.Clock.Advance(TimeSpan.FromMinutes(2));

        await Client.DecryptAsync(App, Key, new { refs = sealedValues });

        var record = Assert.Single(await ItemsAsync($"/api/apps/{App}/audit?action=value.decrypt"));
        Assert.Equal(App, record["appId"]!.GetValue<string>());
        Assert.Equal("succeeded", record["outcome"]!.GetValue<string>());
        Assert.Equal(KeyId, record["keyId"]!.GetValue<string>());
        Assert.Equal(sealedValues.Select(Rows.RefIdOf).Order(), record["refIds"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.Equal(2, record["counts"]!["revealed"]!.GetValue<int>());
        Assert.Equal(1, record["counts"]!["expired"]!.GetValue<int>());
        Assert.Matches("^[0-9a-f]{32}$", record["traceId"]!.GetValue<string>());
        var stored = Assert.Single(await Rows.AuditRecordsAsync(Factory.Table("audit")), r => r.Record.Action == "value.decrypt").Row;
        Assert.All(sealedValues, r => Assert.DoesNotContain(r["shr1.".Length..], Rows.Text(stored)));
    }

    [Fact]
    public async Task Every_change_and_refusal_on_the_app_is_recorded_with_its_action_and_key()
    {
        var admin = Key;
        var configuration = (await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/configurations", admin, new { name = "Support", encryptUserMessages = true }))["id"]!.GetValue<string>();
        await Expect(HttpStatusCode.OK, HttpMethod.Put, $"/api/apps/{App}/configurations/{configuration}", admin, new { name = "Support", transcript = true });
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, $"/api/apps/{App}/configurations/{configuration}", admin, new { transport = true });
        await Expect(HttpStatusCode.OK, HttpMethod.Patch, $"/api/apps/{App}", admin, new { redactionText = "[hidden]" });
        await Expect(HttpStatusCode.OK, HttpMethod.Put, $"/api/apps/{App}/conversations/conv-1/encryption", admin, new { configurationId = configuration });
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/conversations/conv-1/encryption", admin);
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/configurations/{configuration}", admin);
        var created = await Expect(HttpStatusCode.Created, HttpMethod.Post, $"/api/apps/{App}/keys", admin, new { name = "bot", permissions = new[] { "encrypt" } });
        var botKey = created["key"]!.GetValue<string>();
        await Expect(HttpStatusCode.Forbidden, HttpMethod.Post, $"/api/apps/{App}/decrypt", botKey, new { @ref = "shr1.x" });
        await Expect(HttpStatusCode.NoContent, HttpMethod.Delete, $"/api/apps/{App}/keys/{created["id"]!.GetValue<string>()}", ShroudFactory.BootstrapKey);
        await Expect(HttpStatusCode.OK, HttpMethod.Post, $"/api/apps/{App}/kek/rotate", admin);
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, $"/api/apps/{App}/encrypt", ApiKeyToken.New().Reveal(), new { value = "x" });
        await Expect(HttpStatusCode.Unauthorized, HttpMethod.Post, $"/api/apps/{App}/encrypt", null, new { value = "x" });

        var actions = (await ItemsAsync($"/api/apps/{App}/audit")).Select(r => $"{r!["action"]} {r["outcome"]} {Who(r, botKey)}").ToList();

        // Newest first; the first two are the setup's key creation (by the bootstrap key) before this test's calls.
        Assert.Equal(
            [
                "access.denied unauthorized -", "access.denied unauthorized other", "kek.rotate succeeded admin", "key.revoke succeeded bootstrap",
                "access.denied forbidden bot", "key.create succeeded admin", "configuration.delete succeeded admin", "conversation.encryption.end succeeded admin",
                "conversation.encryption.start succeeded admin", "app.update succeeded admin", "configuration.patch succeeded admin",
                "configuration.replace succeeded admin", "configuration.create succeeded admin", "key.create succeeded bootstrap",
            ],
            actions);
        Assert.All(await ItemsAsync($"/api/apps/{App}/audit?action=key.create"), r => Assert.Equal("key.create", r["action"]!.GetValue<string>()));
        Assert.Equal(2, (await ItemsAsync($"/api/apps/{App}/audit?action=key.create")).Count);
        Assert.Equal(9, (await ItemsAsync($"/api/apps/{App}/audit?keyId={KeyId}")).Count);
    }

    [Fact]
    public async Task Pages_run_newest_first_and_continue_with_the_token()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "paged" }))["ref"]!.GetValue<string>();
        for (var i = 0; i < 7; i++)
        {
            Factory.Clock.Advance(TimeSpan.FromSeconds(1));
            await Client.DecryptAsync(App, Key, new { @ref = reference });
        }

        var times = new List<DateTimeOffset>();
        string? token = null;
        var pages = 0;
        do
        {
            var (status, body, _) = await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?action=value.decrypt&pageSize=3" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)), Key);
            Assert.Equal(HttpStatusCode.OK, status);
            times.AddRange(body!["items"]!.AsArray().Select(r => r!["time"]!.GetValue<DateTimeOffset>()));
            token = body["continuationToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);

        Assert.Equal(7, times.Count);
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(7, times.Distinct().Count());
        Assert.InRange(pages, 3, 4);
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?continuationToken=bm90IGEgdG9rZW4", Key), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task From_and_to_select_the_days_to_read_and_the_default_is_the_last_day()
    {
        var reference = (await Client.EncryptAsync(App, Key, new { value = "old and new", ttl = "P7D" }))["ref"]!.GetValue<string>();
        var then = Factory.Clock.GetUtcNow();
        await Client.DecryptAsync(App, Key, new { @ref = reference });
        Factory.Clock.Advance(TimeSpan.FromDays(2));
        await Client.DecryptAsync(App, Key, new { @ref = reference });

        var recent = await ItemsAsync($"/api/apps/{App}/audit?action=value.decrypt");
        var old = await ItemsAsync($"/api/apps/{App}/audit?action=value.decrypt&from={Uri.EscapeDataString(then.AddMinutes(-1).ToString("O"))}&to={Uri.EscapeDataString(then.AddMinutes(1).ToString("O"))}");
        var both = await ItemsAsync($"/api/apps/{App}/audit?action=value.decrypt&from={Uri.EscapeDataString(then.AddDays(-1).ToString("O"))}");

        Assert.Equal(Factory.Clock.GetUtcNow(), Assert.Single(recent)["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal(then, Assert.Single(old)["time"]!.GetValue<DateTimeOffset>());
        Assert.Equal(2, both.Count);
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?from=yesterday", Key), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task The_deployment_stream_holds_app_creation_and_maintenance_runs_for_the_bootstrap_key_only()
    {
        await Expect(HttpStatusCode.OK, HttpMethod.Post, "/api/maintenance/run", ShroudFactory.BootstrapKey);

        var records = await ItemsAsync("/api/audit", ShroudFactory.BootstrapKey);
        Assert.Equal(["maintenance.run", "app.create"], records.Select(r => r["action"]!.GetValue<string>()));
        Assert.Equal(App, records[1]["target"]!.GetValue<string>());
        Assert.Equal("bootstrap", records[0]["keyId"]!.GetValue<string>());
        Assert.Equal(0, records[0]["counts"]!["recordsDeleted"]!.GetValue<int>());
        Assert.Null(records[0]["appId"]);
        ShroudClient.AssertProblem(await Client.SendAsync(HttpMethod.Get, "/api/audit", Key), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Reveals_made_while_an_audit_insert_is_in_flight_share_the_next_insert_and_keep_a_record_each()
    {
        // Every insert into the audit table takes 200 ms: the reveals sent meanwhile wait for one insert together.
        var slowAudit = new DelayPolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("audit", StringComparison.Ordinal), TimeSpan.FromMilliseconds(200));
        await using var factory = new ShroudFactory(Azurite) { StoragePolicies = [slowAudit] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt", "admin");
        var reference = (await client.EncryptAsync(App, key, new { value = "group commit" }))["ref"]!.GetValue<string>();

        factory.StorageRequests.Reset();
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => client.DecryptAsync(App, key, new { @ref = reference })));

        Assert.All(answers, a => Assert.Equal("group commit", a["value"]!.GetValue<string>()));
        var inserts = factory.StorageRequests.Requests.Count(r => r.StartsWith("POST", StringComparison.Ordinal) && r.EndsWith("audit", StringComparison.Ordinal));
        Assert.InRange(inserts, 1, 12);
        var (_, page, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?action=value.decrypt", key);
        var records = page!["items"]!.AsArray();
        Assert.Equal(24, records.Count);
        Assert.Equal(24, records.Select(r => r!["traceId"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(24, records.Select(r => r!["sequence"]!.GetValue<long>()).Distinct().Count());

        // Pages of 5 cut through rows that hold several records, and still return each record once, newest first.
        var paged = new List<long>();
        string? token = null;
        do
        {
            var (_, body, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit?action=value.decrypt&pageSize=5" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)), key);
            paged.AddRange(body!["items"]!.AsArray().Select(r => r!["sequence"]!.GetValue<long>()));
            token = body["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(records.Select(r => r!["sequence"]!.GetValue<long>()), paged);
        var (_, report, _) = await client.SendAsync(HttpMethod.Get, $"/api/apps/{App}/audit/verify", key);
        Assert.True(report!["clean"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Equal(24 + 1, report["records"]!.GetValue<int>());
    }

    [Fact]
    public async Task Records_too_large_for_one_row_are_stored_in_one_transaction_and_read_back_in_order()
    {
        var store = Factory.Services.GetRequiredService<IAuditStore>();
        var time = Factory.Clock.GetUtcNow();

        // 1000 ref ids make a record of about 25 KB; one row's column holds at most 60 KiB.
        var records = Enumerable.Range(1, 10).Select(n => new AuditRecord(
            "audit-big", time, AuditActions.ValueDecrypt, AuditOutcomes.Succeeded, "k", null,
            Enumerable.Range(0, 1000).Select(i => $"{n:D3}-{i:D19}").ToList(), new Dictionary<string, int>(), null, "bigwriter", n, "test", [1])).ToList();
        await store.AppendAsync(records, CancellationToken.None);

        var page = await store.QueryAsync(new AuditQuery("audit-big", time.AddMinutes(-1), time, null, null, 100, null), CancellationToken.None);

        Assert.InRange((await Rows.AllAsync(Factory.Table("audit"), "WriterId eq 'bigwriter'")).Count, 4, 5);
        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(n => (long)n), page.Items.Select(r => r.Sequence));
        Assert.All(page.Items, r => Assert.Equal(1000, r.RefIds.Count));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task A_filter_that_matches_nothing_in_many_rows_answers_short_pages_that_end()
    {
        var store = Factory.Services.GetRequiredService<IAuditStore>();
        var time = Factory.Clock.GetUtcNow();
        await Parallel.ForEachAsync(Enumerable.Range(1, 1100), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, ct) =>
            await store.AppendAsync([new AuditRecord("audit-many", time, AuditActions.KeyCreate, AuditOutcomes.Succeeded, "k", null, [], new Dictionary<string, int>(), null, "w", n, "test", [1])], ct));

        var query = new AuditQuery("audit-many", time.AddMinutes(-1), time, AuditActions.ValueDecrypt, null, 100, null);
        var first = await store.QueryAsync(query, CancellationToken.None);
        var second = await store.QueryAsync(query with { ContinuationToken = first.ContinuationToken }, CancellationToken.None);
        var unfiltered = await store.QueryAsync(query with { Action = null, ContinuationToken = first.ContinuationToken }, CancellationToken.None);

        Assert.Empty(first.Items);
        Assert.NotNull(first.ContinuationToken);
        Assert.Empty(second.Items);
        Assert.Null(second.ContinuationToken);

        // Rows read newest first, here highest number first: the token resumes after the 1000 rows the first page read.
        Assert.Equal(Enumerable.Range(1, 100).Reverse().Select(n => (long)n), unfiltered.Items.Select(r => r.Sequence));
        var last = await store.QueryAsync(query with { Action = null, ContinuationToken = unfiltered.ContinuationToken }, CancellationToken.None);
        Assert.Equal(0, last.Items.Count + (last.ContinuationToken is null ? 0 : 1));
    }

    [Fact]
    public async Task A_reveal_answers_503_and_no_plaintext_when_its_audit_record_cannot_be_stored()
    {
        // Storage answers every write to the audit table with 503.
        var outage = new RefuseWhilePolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("audit", StringComparison.Ordinal), 503);
        await using var factory = new ShroudFactory(Azurite) { StoragePolicies = [outage] };
        var client = new ShroudClient(factory.CreateClient());
        var key = await client.CreateAppWithKeyAsync(App, "encrypt", "decrypt");
        var reference = (await client.EncryptAsync(App, key, new { value = "fail-closed plaintext" }))["ref"]!.GetValue<string>();
        var sealedEvent = (await client.PostAsync($"/api/apps/{App}/events", key, new { id = "e", conversationId = "c", type = "message", user = new { type = "user" }, sensitive = true, text = "fail-closed event" })).Body!;
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media") { Content = new ByteArrayContent("fail-closed media"u8.ToArray()) };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var mediaRef = JsonNode.Parse(await (await client.Http.SendAsync(upload)).Content.ReadAsStringAsync())!["ref"]!.GetValue<string>();

        outage.Refusing = true;
        var decrypt = await client.PostAsync($"/api/apps/{App}/decrypt", key, new { @ref = reference });
        var events = await client.PostAsync($"/api/apps/{App}/events/reveal", key, sealedEvent.ToJsonString());
        using var media = new HttpRequestMessage(HttpMethod.Post, $"/api/apps/{App}/media/reveal") { Content = JsonContent.Create(new { @ref = mediaRef }) };
        media.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var mediaResponse = await client.Http.SendAsync(media);
        var mediaText = await mediaResponse.Content.ReadAsStringAsync();

        ShroudClient.AssertProblem(decrypt, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        ShroudClient.AssertProblem(events, HttpStatusCode.ServiceUnavailable, "storage_unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, mediaResponse.StatusCode);
        Assert.Contains("storage_unavailable", mediaText);
        Assert.DoesNotContain("fail-closed", decrypt.Body!.ToJsonString() + events.Body!.ToJsonString() + mediaText);

        outage.Refusing = false;
        Assert.Equal("fail-closed plaintext", (await client.DecryptAsync(App, key, new { @ref = reference }))["value"]!.GetValue<string>());
    }

    private static string Who(JsonNode record, string botKey) => record["keyId"]?.GetValue<string>() switch
    {
        null => "-",
        "bootstrap" => "bootstrap",
        var id when ApiKeyToken.TryParse(botKey, out var bot) && bot.KeyId == id => "bot",
        var id when id.Length == 16 && record["action"]!.GetValue<string>() == "access.denied" => "other",
        _ => "admin",
    };

    private async Task<List<JsonNode>> ItemsAsync(string path, string? key = null)
    {
        var (status, body, _) = await Client.SendAsync(HttpMethod.Get, path, key ?? Key);
        Assert.True(status == HttpStatusCode.OK, $"{path} answered {status}: {body?.ToJsonString()}");
        return body!["items"]!.AsArray().Select(i => i!).ToList();
    }

    private async Task<JsonNode> Expect(HttpStatusCode expected, HttpMethod method, string path, string? key, object? body = null)
    {
        var (status, json, _) = await Client.SendAsync(method, path, key, body);
        Assert.True(status == expected, $"{method} {path} answered {status}: {json?.ToJsonString()}");
        return json ?? new JsonObject();
    }
}
