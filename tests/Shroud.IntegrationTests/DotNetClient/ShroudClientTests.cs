using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shroud.Client;
using Shroud.IntegrationTests.Infrastructure;
using ShroudException = Shroud.Client.ShroudException;

namespace Shroud.IntegrationTests.DotNetClient;

/// <summary>Shroud.Client against the local host on Azurite over loopback, registered as a customer registers it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShroudClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Values_are_encrypted_and_decrypted_singly_and_in_batches()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-values");
        var client = await host.ClientAsync("encrypt", "decrypt");

        var single = await client.EncryptAsync("jane@example.com", TimeSpan.FromHours(1));
        Assert.StartsWith("shr1.", single.Ref);
        Assert.Equal("★★★★★", single.Redacted);
        Assert.Equal(host.Factory.Clock.GetUtcNow().AddHours(1), single.ExpiresAt);
        Assert.Equal("jane@example.com", await client.DecryptAsync(single.Ref));

        var batch = await client.EncryptBatchAsync([new EncryptItem("4111 1111 1111 1111"), new EncryptItem("+1 555 0100", TimeSpan.FromMinutes(5))]);
        Assert.Equal(2, batch.Count);
        var revealed = await client.DecryptBatchAsync(batch.Select(b => b.Ref));
        Assert.Equal(["4111 1111 1111 1111", "+1 555 0100"], revealed.Select(r => r.Value));
        Assert.All(revealed, r => Assert.False(r.Expired));
        Assert.Equal(batch[1].ExpiresAt, revealed[1].ExpiresAt);
    }

    [Fact]
    public async Task After_the_ttl_TryDecrypt_answers_the_apps_redaction_text_where_Decrypt_throws_value_expired()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-expiry");
        var client = await host.ClientAsync("encrypt", "decrypt", "configure");
        await client.SetRedactionTextAsync("[hidden]");
        var sealedValue = await client.EncryptAsync("jane@example.com", TimeSpan.FromMinutes(30));
        var other = await client.EncryptAsync("kept", TimeSpan.FromHours(2));
        Assert.Equal("jane@example.com", await client.TryDecryptAsync(sealedValue.Ref));

        host.Factory.Clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal("[hidden]", await client.TryDecryptAsync(sealedValue.Ref));
        var expired = await Assert.ThrowsAsync<ShroudException>(() => client.DecryptAsync(sealedValue.Ref));
        Assert.Equal((ShroudException.ValueExpiredCode, 410), (expired.Code, expired.Status));
        Assert.DoesNotContain("jane", expired.Message, StringComparison.Ordinal);
        var batch = await client.DecryptBatchAsync([sealedValue.Ref, other.Ref]);
        Assert.Equal([("[hidden]", true), ("kept", false)], batch.Select(v => (v.Value, v.Expired)));
    }

    [Fact]
    public async Task Problems_surface_as_one_exception_type_with_status_code_detail_and_field_errors()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-problems");
        var encryptOnly = await host.ClientAsync("encrypt");
        var decrypting = await host.ClientAsync("decrypt");
        var sealedValue = await encryptOnly.EncryptAsync("secret");

        var forbidden = await Assert.ThrowsAsync<ShroudException>(() => encryptOnly.DecryptAsync(sealedValue.Ref));
        Assert.Equal((403, "forbidden"), (forbidden.Status, forbidden.Code));
        Assert.False(string.IsNullOrEmpty(forbidden.Detail));
        Assert.Null(forbidden.RetryAfter);

        var invalid = await Assert.ThrowsAsync<ShroudException>(() => encryptOnly.EncryptAsync("x", TimeSpan.FromDays(4000)));
        Assert.Equal((400, "validation_failed"), (invalid.Status, invalid.Code));
        Assert.Contains("ttl", invalid.Errors!.Keys);

        // TryDecrypt answers redaction for expiry only: a reference that does not open is still a problem.
        var reference = await Assert.ThrowsAsync<ShroudException>(() => decrypting.TryDecryptAsync("shr1.not-a-reference"));
        Assert.Equal((400, "invalid_reference"), (reference.Status, reference.Code));

        var unauthorized = await Assert.ThrowsAsync<ShroudException>(() => host.Client("shk_wrong").EncryptAsync("x"));
        Assert.Equal((401, "unauthorized"), (unauthorized.Status, unauthorized.Code));
    }

    [Fact]
    public async Task Configurations_carry_etags_a_stale_one_is_a_412_problem_and_the_default_cannot_be_deleted()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-config");
        var client = await host.ClientAsync("configure");

        var created = await client.CreateConfigurationAsync(new ConfigurationSettings("Support", EncryptUserMessages: true, SensitiveVariables: ["email"], Ttl: TimeSpan.FromHours(12)));
        Assert.NotNull(created.ETag);
        Assert.Equal(TimeSpan.FromHours(12), created.Ttl);
        var read = await client.GetConfigurationAsync(created.Id);
        Assert.Equal(created.ETag, read.ETag);
        Assert.Equal(["email"], read.SensitiveVariables);

        var replaced = await client.ReplaceConfigurationAsync(created.Id, read.ToSettings() with { Transcript = true }, read.ETag);
        Assert.True(replaced.Transcript);
        Assert.NotEqual(read.ETag, replaced.ETag);

        var stale = await Assert.ThrowsAsync<ShroudException>(() => client.ReplaceConfigurationAsync(created.Id, read.ToSettings(), read.ETag));
        Assert.Equal((412, "precondition_failed"), (stale.Status, stale.Code));
        var patched = await client.PatchConfigurationAsync(created.Id, new JsonObject { ["name"] = "Support 2" }, replaced.ETag);
        Assert.Equal(("Support 2", true), (patched.Name, patched.Transcript));
        Assert.Equal([created.Id], (await client.ListConfigurationsAsync()).Select(c => c.Id));

        var settings = await client.SetDefaultConfigurationAsync(created.Id);
        Assert.Equal(created.Id, settings.DefaultConfigurationId);
        Assert.Equal(settings.ETag, (await client.GetAppSettingsAsync()).ETag);
        var inUse = await Assert.ThrowsAsync<ShroudException>(() => client.DeleteConfigurationAsync(created.Id));
        Assert.Equal((409, "configuration_in_use"), (inUse.Status, inUse.Code));
        var staleSettings = await Assert.ThrowsAsync<ShroudException>(() => client.SetDefaultConfigurationAsync(null, "\"stale\""));
        Assert.Equal(412, staleSettings.Status);

        await client.SetDefaultConfigurationAsync(null, settings.ETag);
        await client.DeleteConfigurationAsync(created.Id, patched.ETag);
        Assert.Empty(await client.ListConfigurationsAsync());
    }

    [Fact]
    public async Task Keys_are_created_listed_and_revoked_and_app_keks_are_listed_and_rotated()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-keys");
        // The bootstrap admin key may grant any permission; an app key only those it holds.
        var admin = host.Client(ShroudFactory.BootstrapKey);

        var created = await admin.CreateKeyAsync("agent desk", ["decrypt"]);
        Assert.StartsWith("shk_", created.Key);
        Assert.DoesNotContain(created.Key, created.ToString(), StringComparison.Ordinal);
        var listed = Assert.Single(await admin.ListKeysAsync(), k => k.Id == created.Id);
        Assert.Equal(["decrypt"], listed.Permissions);
        Assert.Null(listed.RevokedAt);

        var desk = host.Client(created.Key);
        var sealedValue = await (await host.ClientAsync("encrypt")).EncryptAsync("x");
        Assert.Equal("x", await desk.DecryptAsync(sealedValue.Ref));
        await admin.RevokeKeyAsync(created.Id);
        Assert.NotNull(Assert.Single(await admin.ListKeysAsync(), k => k.Id == created.Id).RevokedAt);
        Assert.Equal(401, (await Assert.ThrowsAsync<ShroudException>(() => desk.DecryptAsync(sealedValue.Ref))).Status);

        var before = Assert.Single(await admin.ListKeksAsync());
        Assert.True(before.Active);
        var after = await admin.RotateKekAsync();
        Assert.Equal([before.Version + 1, before.Version], after.Select(k => k.Version));
        Assert.NotNull(after[1].RetiredAt);
        Assert.NotNull(after[1].DestroyAt);
    }

    [Fact]
    public async Task Channels_are_created_read_replaced_with_etags_and_deleted()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-channels");
        var client = await host.ClientAsync("configure");
        var settings = new ChannelSettings("slack", "Support Slack", "https://bot.example.com/hooks/slack", new Dictionary<string, string> { ["signingSecret"] = "slack-signing-secret-1" });

        var created = await client.CreateChannelAsync(settings);
        Assert.False(string.IsNullOrEmpty(created.ForwardSecret));
        Assert.DoesNotContain(created.ForwardSecret, created.ToString(), StringComparison.Ordinal);
        Assert.Equal(["signingSecret"], created.SecretsSet);
        Assert.EndsWith($"/channels/{created.Id}/webhook", created.WebhookPath);
        var read = await client.GetChannelAsync(created.Id);
        Assert.Equal(created.ETag, read.ETag);

        var replaced = await client.ReplaceChannelAsync(created.Id, settings with { Name = "Renamed" }, read.ETag);
        Assert.Equal("Renamed", replaced.Name);
        var stale = await Assert.ThrowsAsync<ShroudException>(() => client.ReplaceChannelAsync(created.Id, settings, read.ETag));
        Assert.Equal((412, "precondition_failed"), (stale.Status, stale.Code));
        Assert.Equal(["Renamed"], (await client.ListChannelsAsync()).Select(c => c.Name));

        await client.DeleteChannelAsync(created.Id, replaced.ETag);
        var gone = await Assert.ThrowsAsync<ShroudException>(() => client.GetChannelAsync(created.Id));
        Assert.Equal((404, "channel_not_found"), (gone.Status, gone.Code));
    }

    [Fact]
    public async Task Events_are_sealed_and_revealed_as_json_nodes_and_elements_and_redacted_without_a_call()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-events");
        var bot = await host.ClientAsync("encrypt");
        var desk = await host.ClientAsync("decrypt");
        var events = JsonNode.Parse("""
            [ { "id": "evt-1", "conversationId": "conv-1", "type": "message", "sensitive": true, "user": { "type": "user" },
                "text": "My card is 4242", "payload": { "last4": "4242" } } ]
            """)!;

        var sealedNode = await bot.SealEventsAsync(events);
        Assert.Equal("★★★★★", sealedNode[0]!["text"]!["redacted"]!.GetValue<string>());
        Assert.DoesNotContain("4242", sealedNode.ToJsonString(), StringComparison.Ordinal);

        var revealed = await desk.RevealEventsAsync(sealedNode);
        Assert.Equal("My card is 4242", revealed[0]!["text"]!.GetValue<string>());
        Assert.Equal("4242", revealed[0]!["payload"]!["last4"]!.GetValue<string>());
        var forBot = await bot.RevealEventsAsync(sealedNode);
        Assert.Equal("★★★★★", forBot[0]!["text"]!.GetValue<string>());

        var sealedElement = await bot.SealEventsAsync(JsonSerializer.SerializeToElement(events));
        Assert.Equal(JsonValueKind.Array, sealedElement.ValueKind);
        var revealedElement = await desk.RevealEventsAsync(sealedElement);
        Assert.Equal("My card is 4242", revealedElement[0].GetProperty("text").GetString());

        var redacted = Shroud.Client.ShroudClient.Redact(sealedNode)!;
        Assert.Equal("★★★★★", redacted[0]!["text"]!.GetValue<string>());
        Assert.Equal("★★★★★", redacted[0]!["payload"]!.GetValue<string>());
        Assert.Equal("evt-1", redacted[0]!["id"]!.GetValue<string>());
        Assert.NotNull(sealedNode[0]!["text"]!["$shroud"]);
        Assert.Equal("★★★★★", Shroud.Client.ShroudClient.Redact(sealedElement)[0].GetProperty("payload").GetString());
    }

    [Fact]
    public async Task Media_goes_up_and_comes_back_as_streams_with_its_type_and_name()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-media");
        var client = await host.ClientAsync("encrypt", "decrypt");
        const int size = 3 * 1024 * 1024 + 17;
        var upload = new GeneratedStream(size);

        var sealedMedia = await client.SealMediaAsync(upload, "image/jpeg", "ID card ü.jpg", TimeSpan.FromHours(1));
        Assert.Equal((size, "image/jpeg"), (sealedMedia.Size, sealedMedia.ContentType));

        await using var media = await client.RevealMediaAsync(sealedMedia.Ref);
        Assert.Equal(("image/jpeg", "ID card ü.jpg", size), (media.ContentType, media.FileName, media.Length));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await media.Content.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(size, total);
        Assert.Equal(upload.Hash(), hash.GetHashAndReset());

        host.Factory.Clock.Advance(TimeSpan.FromHours(2));
        var gone = await Assert.ThrowsAsync<ShroudException>(() => client.RevealMediaAsync(sealedMedia.Ref));
        Assert.Equal((410, "media_gone"), (gone.Status, gone.Code));
    }

    [Fact]
    public async Task Audit_queries_follow_continuation_tokens_and_verification_is_clean()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-audit");
        var admin = await host.ClientAsync("admin", "encrypt");
        for (var i = 0; i < 5; i++)
        {
            await admin.CreateKeyAsync($"k{i}", ["encrypt"]);
        }

        var first = await admin.GetAuditPageAsync(new AuditQuery(Action: "key.create", PageSize: 2));
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.ContinuationToken);

        var all = new List<AuditRecord>();
        await foreach (var record in admin.QueryAuditAsync(new AuditQuery(Action: "key.create", PageSize: 2)))
        {
            all.Add(record);
        }

        // One record for each key the app has, each once.
        Assert.Equal((await admin.ListKeysAsync()).Count, all.Count);
        Assert.True(all.Count >= 6);
        Assert.Equal(all.Count, all.Select(r => (r.WriterId, r.Sequence)).Distinct().Count());
        Assert.All(all, r => Assert.Equal("key.create", r.Action));

        var verification = await admin.VerifyAuditAsync();
        Assert.True(verification.Clean);
        Assert.True(verification.Records >= 6);
        Assert.Empty(verification.Findings);
    }

    [Fact]
    public async Task A_503_to_an_encrypt_is_retried_after_its_retry_after_and_a_503_to_a_change_is_thrown_with_its_retry_after()
    {
        var refuseRecords = new RefuseWhilePolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("records", StringComparison.Ordinal), 503);
        var refuseAll = new RefuseWhilePolicy(_ => true, 503);
        await using var host = await ClientHost.StartAsync(azurite, "client-retry", new ShroudFactory(azurite) { StoragePolicies = [refuseRecords, refuseAll] });
        var key = await host.Raw.CreateKeyAsync(host.AppId, "encrypt", "decrypt", "configure");

        // Storage comes back as soon as the client has seen the 503.
        var recorder = new AttemptRecorder(response =>
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refuseRecords.Refusing = false;
            }
        });
        var client = host.Client(key, builder => builder.AddHttpMessageHandler(() => recorder));
        refuseRecords.Refusing = true;

        var sealedValue = await client.EncryptAsync("jane@example.com");

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], recorder.Attempts.Select(a => a.Status));
        Assert.True(refuseRecords.Refused > 0);
        Assert.Equal("jane@example.com", await client.DecryptAsync(sealedValue.Ref));

        var changes = new AttemptRecorder();
        var changing = host.Client(key, builder => builder.AddHttpMessageHandler(() => changes));
        refuseAll.Refusing = true;
        var problem = await Assert.ThrowsAsync<ShroudException>(() => changing.CreateConfigurationAsync(new ConfigurationSettings("Support")));

        Assert.Equal((503, "storage_unavailable"), (problem.Status, problem.Code));
        Assert.Equal(TimeSpan.FromSeconds(Shroud.Api.Problems.RetryAfterSeconds), problem.RetryAfter);
        Assert.Single(changes.Attempts);
    }

    [Fact]
    public async Task A_503_whose_retry_after_is_longer_than_the_client_waits_is_thrown_at_once()
    {
        var refuseRecords = new RefuseWhilePolicy(r => r.Method == RequestMethod.Post && r.Uri.Path.EndsWith("records", StringComparison.Ordinal), 503);
        await using var host = await ClientHost.StartAsync(azurite, "client-no-wait", new ShroudFactory(azurite) { StoragePolicies = [refuseRecords] });
        var recorder = new AttemptRecorder();
        var client = host.Client(
            await host.Raw.CreateKeyAsync(host.AppId, "encrypt"),
            builder => builder.AddHttpMessageHandler(() => recorder),
            options => options.MaxRetryAfter = TimeSpan.FromSeconds(1));
        refuseRecords.Refusing = true;

        var problem = await Assert.ThrowsAsync<ShroudException>(() => client.EncryptAsync("x"));

        Assert.Equal(503, problem.Status);
        Assert.Single(recorder.Attempts);
    }

    [Fact]
    public async Task Neither_the_key_nor_a_value_reaches_the_clients_logs_at_any_level()
    {
        await using var host = await ClientHost.StartAsync(azurite, "client-logs");
        var key = await host.Raw.CreateKeyAsync(host.AppId, "encrypt", "decrypt");
        var logs = new LogCapture();
        var client = host.Client(key, builder => builder.Services.AddLogging(logging =>
        {
            logging.AddProvider(logs);
            logging.AddFilter<LogCapture>(null, LogLevel.Trace);
        }));

        var sealedValue = await client.EncryptAsync("jane@example.com");
        Assert.Equal("jane@example.com", await client.DecryptAsync(sealedValue.Ref));
        await Assert.ThrowsAsync<ShroudException>(() => client.DecryptAsync("shr1.bad"));

        Assert.Contains(logs.Entries, e => e.Contains("/api/apps/client-logs/decrypt", StringComparison.Ordinal) && e.Contains("400", StringComparison.Ordinal));
        var text = string.Join('\n', logs.Entries);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(key[4..20], text, StringComparison.Ordinal);
        Assert.DoesNotContain("jane@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain(sealedValue.Ref, text, StringComparison.Ordinal);
    }

    /// <summary>A non-seekable stream of pseudo-random bytes, made as it is read, whose hash it keeps.</summary>
    private sealed class GeneratedStream(long length) : Stream
    {
        private readonly Random random = new(1234);
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => position; set => throw new NotSupportedException(); }

        private byte[]? finalHash;

        /// <summary>The hash of every byte read, once the stream has been read to its end.</summary>
        public byte[] Hash() => finalHash ?? throw new InvalidOperationException("The stream was not read to its end.");

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            random.NextBytes(buffer.AsSpan(offset, n));
            hash.AppendData(buffer, offset, n);
            position += n;
            if (position == length)
            {
                finalHash ??= hash.GetHashAndReset();
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
