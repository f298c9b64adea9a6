using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shroud.Core.Crypto;

namespace Shroud.Core.Audit;

/// <summary>
/// Writes audit records with group commit: the records of one stream that arrive while an insert is in flight are
/// stored together by the next one (up to <see cref="MaxRecordsPerInsert"/>), each still numbered in this writer's
/// sequence for its stream and MACed on its own under the stream's key. A caller's task completes only once the insert
/// holding its record succeeded, then the record is logged as one structured event in category <see cref="LogCategory"/>.
/// Writers never coordinate: every host instance draws its own writer id when it starts.
/// </summary>
/// <remarks>
/// Hand-written because no library offers group commit over Table Storage. It makes an audited request cost a fraction
/// of an insert under load (storage spends about twice as much on an insert as on a point read), while a lone request still costs one
/// insert and waits for nothing but its own.
/// </remarks>
public sealed class AuditTrail(IAuditStore store, RootKeyRing rootKeys, TimeProvider clock, IOptions<ShroudOptions> options, ILoggerFactory loggers)
{
    /// <summary>The stream of deployment-wide events (app creation, maintenance runs); app ids never hold <c>~</c>.</summary>
    public const string DeploymentStream = "~deployment";

    public const string LogCategory = "Shroud.Audit";

    /// <summary>The most records one insert stores.</summary>
    public const int MaxRecordsPerInsert = 100;

    private readonly ILogger logger = loggers.CreateLogger(LogCategory);
    private readonly ConcurrentDictionary<string, Committer> committers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string RootKeyId, string Stream), byte[]?> macKeys = new();

    /// <summary>This instance's writer id, random per start.</summary>
    public string WriterId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>
    /// Stores the record of <paramref name="entry"/>; its time is when the insert holding it was issued. Not cancelled
    /// with the request: a record abandoned half-way would leave a gap that verification reports as a deletion.
    /// </summary>
    public async Task WriteAsync(AuditEntry entry)
    {
        var stream = entry.AppId ?? DeploymentStream;
        var pending = new PendingRecord(entry, Activity.Current?.TraceId.ToHexString());
        var committer = committers.GetOrAdd(stream, s => new Committer(s));
        if (committer.Enqueue(pending))
        {
            // The commit loop belongs to no request: unsafe queueing keeps the first caller's trace out of the others' inserts.
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Trail.CommitAsync(state.Committer), (Trail: this, Committer: committer), preferLocal: false);
        }

        var record = await pending.Stored.Task;
        logger.LogInformation(
            "Audit {AuditAction} {AuditOutcome} app {AppId} key {KeyId} target {AuditTarget} refs {AuditRefIds} counts {AuditCounts} trace {AuditTraceId} writer {AuditWriterId}/{AuditSequence}",
            record.Action, record.Outcome, record.AppId, record.KeyId, record.Target, string.Join(',', record.RefIds), Format(record.Counts), record.TraceId, record.WriterId, record.Sequence);
    }

    /// <summary>
    /// Stores what <paramref name="committer"/> holds, one insert at a time, until it holds nothing. Whatever goes wrong
    /// with a batch fails that batch's writes, never the loop, so no write is left waiting.
    /// </summary>
    private async Task CommitAsync(Committer committer)
    {
        while (committer.Take() is { Count: > 0 } batch)
        {
            var first = committer.LastSequence + 1;
            committer.LastSequence += batch.Count;
            try
            {
                var time = clock.GetUtcNow();
                var records = batch.Select((p, i) => Seal(committer.Stream, time, p, first + i)).ToList();
                await store.AppendAsync(records, CancellationToken.None);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Stored.TrySetResult(records[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Stored.TrySetException(e);
                }

                // The sequence numbers are spent: say so, so that the gap verification will report can be matched to this failure.
                logger.LogWarning(
                    "Audit records {AuditWriterId}/{AuditSequence} to {AuditLastSequence} of {AuditStream} were not stored ({ExceptionType})",
                    WriterId, first, committer.LastSequence, committer.Stream, e.GetType().Name);
            }
        }
    }

    private AuditRecord Seal(string stream, DateTimeOffset time, PendingRecord pending, long sequence)
    {
        var entry = pending.Entry;
        var unsealed = new AuditRecord(
            stream,
            time,
            entry.Action,
            entry.Outcome,
            entry.KeyId,
            entry.Target,
            entry.RefIds ?? [],
            entry.Counts ?? new Dictionary<string, int>(),
            pending.TraceId,
            WriterId,
            sequence,
            rootKeys.ActiveKeyId,
            []);
        return unsealed with { Mac = Mac(unsealed)! };
    }

    /// <summary>Pages through a stream, newest first.</summary>
    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken) => store.QueryAsync(query, cancellationToken);

    /// <summary>
    /// Checks every record of <paramref name="stream"/> between two instants: its MAC (modified or forged records), and each
    /// writer's sequence between the lowest and highest number seen (gaps are deleted records, repeats inserted copies).
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(string stream, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var findings = new List<AuditFinding>();
        var seen = new Dictionary<string, SortedDictionary<long, int>>(StringComparer.Ordinal);
        var count = 0;
        string? token = null;
        do
        {
            var page = await store.QueryAsync(new AuditQuery(stream, from, to, null, null, 1000, token), cancellationToken);
            foreach (var record in page.Items)
            {
                count++;
                if (Mac(record) is not { } expected || !CryptographicOperations.FixedTimeEquals(expected, record.Mac))
                {
                    findings.Add(new AuditFinding(AuditFinding.MacMismatch, record.WriterId, record.Sequence, record.Sequence, record.Time));
                }

                // A record that fails its MAC still fills its number: it is reported, and a gap it hid would be reported with it.
                // Numbers start at 1: a row the store could not read comes back numbered 0 and fills none.
                if (record.Sequence < 1)
                {
                    continue;
                }

                var numbers = seen.TryGetValue(record.WriterId, out var found) ? found : seen[record.WriterId] = new SortedDictionary<long, int>();
                numbers[record.Sequence] = numbers.GetValueOrDefault(record.Sequence) + 1;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);

        foreach (var (writer, numbers) in seen)
        {
            long? previous = null;
            foreach (var (sequence, times) in numbers)
            {
                if (previous is { } last && sequence > last + 1)
                {
                    findings.Add(new AuditFinding(AuditFinding.SequenceGap, writer, last + 1, sequence - 1, null));
                }

                if (times > 1)
                {
                    findings.Add(new AuditFinding(AuditFinding.DuplicateSequence, writer, sequence, sequence, null));
                }

                previous = sequence;
            }
        }

        return new AuditVerification(count, seen.Count, findings);
    }

    /// <summary>Deletes the days of records older than <see cref="ShroudOptions.AuditRetention"/>.</summary>
    public Task<int> SweepAsync(CancellationToken cancellationToken) =>
        store.SweepAsync(clock.GetUtcNow() - options.Value.AuditRetention, cancellationToken);

    /// <summary>The MAC of a record's content (its own MAC excluded); null when its root key is no longer configured.</summary>
    private byte[]? Mac(AuditRecord record)
    {
        var key = macKeys.GetOrAdd((record.RootKeyId, record.Stream), k => rootKeys.DeriveKey(k.RootKeyId, "shroud-audit" + k.Stream));
        if (key is null)
        {
            return null;
        }

        var content = AssociatedData.For(
            AssociatedData.Audit,
            record.Stream,
            record.Time.UtcTicks,
            record.Action,
            record.Outcome,
            record.KeyId ?? "",
            record.Target ?? "",
            string.Join(',', record.RefIds),
            Format(record.Counts),
            record.TraceId ?? "",
            record.WriterId,
            record.Sequence,
            record.RootKeyId);
        return HMACSHA256.HashData(key, content);
    }

    private static string Format(IReadOnlyDictionary<string, int> counts) =>
        string.Join(',', counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
}

/// <summary>
/// A problem verification found: <c>mac_mismatch</c> (a record modified or forged), <c>sequence_gap</c> (records
/// <see cref="FromSequence"/> to <see cref="ToSequence"/> of a writer deleted), <c>duplicate_sequence</c> (a copy inserted).
/// </summary>
public sealed record AuditFinding(string Kind, string WriterId, long FromSequence, long ToSequence, DateTimeOffset? Time)
{
    public const string MacMismatch = "mac_mismatch";
    public const string SequenceGap = "sequence_gap";
    public const string DuplicateSequence = "duplicate_sequence";
}

/// <summary>What verification of a range found: how many records and writers it checked, and every finding.</summary>
public sealed record AuditVerification(int Records, int Writers, IReadOnlyList<AuditFinding> Findings);

/// <summary>A record waiting for its insert, with the trace of the request that wrote it.</summary>
internal sealed class PendingRecord(AuditEntry entry, string? traceId)
{
    public AuditEntry Entry { get; } = entry;

    public string? TraceId { get; } = traceId;

    public TaskCompletionSource<AuditRecord> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One stream's queue of records and this writer's last sequence number in it; one commit loop runs at a time.</summary>
internal sealed class Committer(string stream)
{
    private readonly Queue<PendingRecord> queue = new();
    private bool committing;

    public string Stream { get; } = stream;

    /// <summary>Only the running commit loop reads or writes it.</summary>
    public long LastSequence { get; set; }

    /// <summary>Queues a record; true when no loop is running, and the caller must start one.</summary>
    public bool Enqueue(PendingRecord pending)
    {
        lock (queue)
        {
            queue.Enqueue(pending);
            var start = !committing;
            committing = true;
            return start;
        }
    }

    /// <summary>The next batch (up to <see cref="AuditTrail.MaxRecordsPerInsert"/>); an empty one ends the loop.</summary>
    public List<PendingRecord> Take()
    {
        lock (queue)
        {
            var batch = new List<PendingRecord>(Math.Min(queue.Count, AuditTrail.MaxRecordsPerInsert));
            while (batch.Count < AuditTrail.MaxRecordsPerInsert && queue.TryDequeue(out var pending))
            {
                batch.Add(pending);
            }

            committing = batch.Count > 0;
            return batch;
        }
    }
}
