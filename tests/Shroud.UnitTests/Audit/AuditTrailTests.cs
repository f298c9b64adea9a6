using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shroud.Core;
using Shroud.Core.Audit;
using Shroud.Core.Crypto;

namespace Shroud.UnitTests.Audit;

public sealed class AuditTrailTests
{
    private static readonly DateTimeOffset From = DateTimeOffset.MinValue;
    private static readonly DateTimeOffset To = DateTimeOffset.MaxValue;

    private readonly MemoryAuditStore store = new();
    private readonly RootKeyOptions rootKeys = new() { ActiveKeyId = "k1", Keys = { ["k1"] = Convert.ToBase64String(Aead.NewKey()) } };

    private AuditTrail NewWriter() =>
        new(store, new RootKeyRing(Options.Create(rootKeys)), TimeProvider.System, Options.Create(new ShroudOptions()), NullLoggerFactory.Instance);

    private static AuditEntry Decrypt(string appId) => new(appId, AuditActions.ValueDecrypt, AuditOutcomes.Succeeded, "k");

    [Fact]
    public async Task Each_writer_numbers_its_records_per_stream_from_one()
    {
        var writer = NewWriter();
        await writer.WriteAsync(Decrypt("a"));
        await writer.WriteAsync(Decrypt("b"));
        await writer.WriteAsync(Decrypt("a"));
        await writer.WriteAsync(new AuditEntry(null, AuditActions.AppCreate, AuditOutcomes.Succeeded, "bootstrap"));

        Assert.Equal(["a 1", "a 2", "b 1", "~deployment 1"], store.Records.Select(r => $"{r.Stream} {r.Sequence}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Two_writers_verify_clean_and_each_kind_of_tampering_is_reported()
    {
        var first = NewWriter();
        var second = NewWriter();
        for (var i = 0; i < 4; i++)
        {
            await first.WriteAsync(Decrypt("a"));
            await second.WriteAsync(Decrypt("a"));
        }

        Assert.Empty((await first.VerifyAsync("a", From, To, CancellationToken.None)).Findings);

        store.Records.RemoveAll(r => r.WriterId == first.WriterId && r.Sequence == 2);
        var modified = store.Records.FindIndex(r => r.WriterId == second.WriterId && r.Sequence == 3);
        store.Records[modified] = store.Records[modified] with { KeyId = "someone-else" };
        store.Records.Add(store.Records.First(r => r.WriterId == second.WriterId && r.Sequence == 1));

        var findings = (await first.VerifyAsync("a", From, To, CancellationToken.None)).Findings
            .Select(f => $"{f.Kind} {(f.WriterId == first.WriterId ? "first" : "second")} {f.FromSequence}-{f.ToSequence}").Order(StringComparer.Ordinal);
        Assert.Equal(["duplicate_sequence second 1-1", "mac_mismatch second 3-3", "sequence_gap first 2-2"], findings);
    }

    [Fact]
    public async Task A_record_fails_its_mac_in_another_apps_stream_and_verifies_after_the_root_key_rotates()
    {
        var writer = NewWriter();
        await writer.WriteAsync(Decrypt("a"));
        store.Records.Add(store.Records[0] with { Stream = "b" });

        rootKeys.Keys["k2"] = Convert.ToBase64String(Aead.NewKey());
        rootKeys.ActiveKeyId = "k2";
        var rotated = NewWriter();

        Assert.Empty((await rotated.VerifyAsync("a", From, To, CancellationToken.None)).Findings);
        Assert.Equal(AuditFinding.MacMismatch, Assert.Single((await rotated.VerifyAsync("b", From, To, CancellationToken.None)).Findings).Kind);
    }

    private sealed class MemoryAuditStore : IAuditStore
    {
        public List<AuditRecord> Records { get; } = [];

        public Task AppendAsync(AuditRecord record, CancellationToken cancellationToken)
        {
            lock (Records)
            {
                Records.Add(record);
            }

            return Task.CompletedTask;
        }

        public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) =>
            Task.FromResult(new AuditPage(Records.Where(r => r.Stream == query.Stream).OrderByDescending(r => r.Time).ToList(), null));

        public Task<int> SweepAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
