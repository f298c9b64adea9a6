using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shroud.Core.Crypto;

namespace Shroud.Core.Audit;

/// <summary>
/// Writes audit records: each is numbered in this writer's sequence for its stream, MACed under the stream's key and
/// stored with one insert, then logged as one structured event in category <see cref="LogCategory"/>. Writers never
/// coordinate: every host instance draws its own writer id when it starts.
/// </summary>
public sealed class AuditTrail(IAuditStore store, RootKeyRing rootKeys, TimeProvider clock, IOptions<ShroudOptions> options, ILoggerFactory loggers)
{
    /// <summary>The stream of deployment-wide events (app creation, maintenance runs); app ids never hold <c>~</c>.</summary>
    public const string DeploymentStream = "~deployment";

    public const string LogCategory = "Shroud.Audit";

    private readonly ILogger logger = loggers.CreateLogger(LogCategory);
    private readonly ConcurrentDictionary<string, long> sequences = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string RootKeyId, string Stream), byte[]?> macKeys = new();

    /// <summary>This instance's writer id, random per start.</summary>
    public string WriterId { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>
    /// Stores the record of <paramref name="entry"/>. Not cancelled with the request: a record abandoned half-way would
    /// leave a gap that verification reports as a deletion.
    /// </summary>
    public async Task WriteAsync(AuditEntry entry)
    {
        var stream = entry.AppId ?? DeploymentStream;
        var sequence = sequences.AddOrUpdate(stream, 1, (_, last) => last + 1);
        var unsealed = new AuditRecord(
            stream,
            clock.GetUtcNow(),
            entry.Action,
            entry.Outcome,
            entry.KeyId,
            entry.Target,
            entry.RefIds ?? [],
            entry.Counts ?? new Dictionary<string, int>(),
            Activity.Current?.TraceId.ToHexString(),
            WriterId,
            sequence,
            rootKeys.ActiveKeyId,
            []);
        var record = unsealed with { Mac = Mac(unsealed)! };
        try
        {
            await store.AppendAsync(record, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The sequence number is spent: say so, so that the gap verification will report can be matched to this failure.
            logger.LogWarning("Audit record {AuditWriterId}/{AuditSequence} of {AuditStream} was not stored ({ExceptionType})", WriterId, sequence, stream, e.GetType().Name);
            throw;
        }

        logger.LogInformation(
            "Audit {AuditAction} {AuditOutcome} app {AppId} key {KeyId} target {AuditTarget} refs {AuditRefIds} counts {AuditCounts} trace {AuditTraceId} writer {AuditWriterId}/{AuditSequence}",
            record.Action, record.Outcome, record.AppId, record.KeyId, record.Target, string.Join(',', record.RefIds), Format(record.Counts), record.TraceId, record.WriterId, record.Sequence);
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
