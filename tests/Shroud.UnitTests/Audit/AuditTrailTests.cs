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

    [Fact]
    public async Task A_row_the_store_could_not_read_is_a_mac_mismatch_and_no_gap()
    {
        var writer = NewWriter();
        for (var i = 0; i < 3; i++)
        {
            await writer.WriteAsync(Decrypt("a"));
        }

        // As when the range starts after this writer's first record: verification sees its numbers from 2.
        store.Records.RemoveAll(r => r.Sequence == 1);
        store.Records.Add(new AuditRecord("a", DateTimeOffset.UtcNow, "", "", null, null, [], new Dictionary<string, int>(), null, writer.WriterId, 0, "", []));

        var finding = Assert.Single((await writer.VerifyAsync("a", From, To, CancellationToken.None)).Findings);
        Assert.Equal((AuditFinding.MacMismatch, 0L), (finding.Kind, finding.FromSequence));
    }

    [Fact]
    public async Task Records_written_while_an_insert_is_in_flight_are_stored_together_by_the_next_one()
    {
        var writer = NewWriter();
        var (first, gate) = await HoldNextInsertAsync(writer);
        var waiting = Enumerable.Range(0, 10).Select(_ => writer.WriteAsync(Decrypt("a"))).ToList();
        await Task.Delay(50);

        Assert.False(first.IsCompleted);
        Assert.DoesNotContain(waiting, w => w.IsCompleted);
        gate.SetResult();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 10], store.Inserts.Select(i => i.Count));
        Assert.Equal(Enumerable.Range(2, 10).Select(n => (long)n), store.Inserts[1].Select(r => r.Sequence));
        Assert.Single(store.Inserts[1].Select(r => r.Time).Distinct());
        Assert.Empty((await writer.VerifyAsync("a", From, To, CancellationToken.None)).Findings);
    }

    [Fact]
    public async Task A_failed_insert_fails_every_write_it_held_and_the_next_insert_goes_on_numbering()
    {
        var writer = NewWriter();
        await writer.WriteAsync(Decrypt("a"));
        var (first, gate) = await HoldNextInsertAsync(writer);
        var failing = Enumerable.Range(0, 3).Select(_ => writer.WriteAsync(Decrypt("a"))).ToList();
        await Task.Delay(50);
        store.Failure = new IOException("storage down");
        gate.SetResult();

        await Assert.ThrowsAsync<IOException>(() => first);
        foreach (var write in failing)
        {
            await Assert.ThrowsAsync<IOException>(() => write);
        }

        store.Failure = null;
        await writer.WriteAsync(Decrypt("a"));

        Assert.Equal([1L, 6L], store.Records.Select(r => r.Sequence));
        var gap = Assert.Single((await writer.VerifyAsync("a", From, To, CancellationToken.None)).Findings);
        Assert.Equal((AuditFinding.SequenceGap, 2L, 5L), (gap.Kind, gap.FromSequence, gap.ToSequence));
    }

    [Fact]
    public async Task A_hundred_and_fifty_waiting_records_take_two_inserts()
    {
        var writer = NewWriter();
        var (first, gate) = await HoldNextInsertAsync(writer);
        var waiting = Enumerable.Range(0, 150).Select(_ => writer.WriteAsync(Decrypt("a"))).ToList();
        gate.SetResult();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, AuditTrail.MaxRecordsPerInsert, 50], store.Inserts.Select(i => i.Count));
    }

    /// <summary>Writes a record and holds the insert that stores it open: that write, and the gate that lets the insert go on.</summary>
    private async Task<(Task First, TaskCompletionSource Gate)> HoldNextInsertAsync(AuditTrail writer)
    {
        var gate = new TaskCompletionSource();
        store.Gate = gate;
        var first = writer.WriteAsync(Decrypt("a"));
        await store.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        return (first, gate);
    }

    /// <summary>Records in memory; <see cref="Gate"/> holds the first insert until it is released, <see cref="Failure"/> fails inserts.</summary>
    private sealed class MemoryAuditStore : IAuditStore
    {
        public List<AuditRecord> Records { get; } = [];

        public List<IReadOnlyList<AuditRecord>> Inserts { get; } = [];

        public TaskCompletionSource? Gate { get; set; }

        public Exception? Failure { get; set; }

        private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => entered.Task;

        public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
        {
            if (Gate is { } gate)
            {
                Gate = null;
                entered.SetResult();
                await gate.Task;
            }

            if (Failure is { } failure)
            {
                throw failure;
            }

            lock (Records)
            {
                Inserts.Add(records);
                Records.AddRange(records);
            }
        }

        public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) =>
            Task.FromResult(new AuditPage(Records.Where(r => r.Stream == query.Stream).OrderByDescending(r => r.Time).ToList(), null));

        public Task<int> SweepAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
