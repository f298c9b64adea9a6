using System.Buffers.Text;
using System.Security.Cryptography;
using Azure.Data.Tables;

namespace Shroud.Benchmarks;

/// <summary>The baseline: the plain Azure.Data.Tables client, as a user would write it, inserting and point-reading rows shaped like Shroud's records.</summary>
internal sealed class RawTable(TableClient table, TableClient audit, int valueBytes, int slots)
{
    private readonly string writerId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly byte[] mac = RandomNumberGenerator.GetBytes(32);
    private long sequence;

    private readonly (string PartitionKey, string RowKey)[] keys = new (string, string)[slots];

    // Same sizes as a sealed value: ciphertext = plaintext + 12-byte nonce + 16-byte tag; DEK wrapped twice = 32 + 2 × 28.
    private readonly byte[] data = RandomNumberGenerator.GetBytes(valueBytes + 28);
    private readonly byte[] dek = RandomNumberGenerator.GetBytes(88);

    public static async Task<RawTable> CreateAsync(string connectionString, string tableName, int valueBytes, int slots, CancellationToken ct)
    {
        var service = new TableServiceClient(connectionString);
        await service.CreateTableIfNotExistsAsync(tableName, ct);
        await service.CreateTableIfNotExistsAsync(tableName + "audit", ct);
        return new RawTable(service.GetTableClient(tableName), service.GetTableClient(tableName + "audit"), valueBytes, slots);
    }

    /// <summary>One AddEntityAsync: partition = expiry minute and one of 16 shards, row = 22-char base64url id, as Shroud does.</summary>
    public async Task InsertAsync(int slot, CancellationToken ct)
    {
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds());
        var refId = RandomNumberGenerator.GetBytes(16);
        var key = ($"{expiresAt.UtcDateTime:yyyyMMddHHmm}-{refId[0] % 16:x}", Base64Url.EncodeToString(refId));
        await table.AddEntityAsync(
            new TableEntity(key.Item1, key.Item2)
            {
                ["AppId"] = "bench-app",
                ["ExpiresAt"] = expiresAt,
                ["ContentType"] = "text/plain; charset=utf-8",
                ["Data"] = data,
                ["Dek"] = dek,
                ["KekVersion"] = 1,
            },
            ct);
        keys[slot] = key;
    }

    /// <summary>
    /// What an audited decrypt costs at least: the point read of <see cref="ReadAsync"/> and one AddEntityAsync of a row
    /// shaped like an audit record (day-and-app partition, inverted-time row key, the same columns), issued together.
    /// </summary>
    public Task ReadAndInsertAuditAsync(int slot, CancellationToken ct) => Task.WhenAll(ReadAsync(slot, ct), InsertAuditAsync(ct));

    private Task InsertAuditAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var number = Interlocked.Increment(ref sequence);
        return audit.AddEntityAsync(
            new TableEntity($"{now.UtcDateTime:yyyyMMdd}-bench-app", $"{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:D19}-{writerId}-{long.MaxValue - number:D19}")
            {
                ["Time"] = now,
                ["Ticks"] = now.UtcTicks,
                ["Action"] = "value.decrypt",
                ["Outcome"] = "succeeded",
                ["KeyId"] = "0123456789abcdef",
                ["RefIds"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
                ["Counts"] = "expired=0,revealed=1",
                ["TraceId"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                ["WriterId"] = writerId,
                ["Sequence"] = number,
                ["RootKeyId"] = "bench",
                ["Mac"] = mac,
            },
            ct);
    }

    /// <summary>One GetEntityIfExistsAsync of the row an insert left in this slot; checks it came back whole.</summary>
    public async Task ReadAsync(int slot, CancellationToken ct)
    {
        var (partitionKey, rowKey) = keys[slot];
        var entity = (await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: ct)).Value
            ?? throw new BenchmarkFailure($"raw point read: row {partitionKey}/{rowKey} is missing.");
        if (entity.GetBinary("Data")?.Length != data.Length || entity.GetBinary("Dek")?.Length != dek.Length)
        {
            throw new BenchmarkFailure($"raw point read: row {partitionKey}/{rowKey} came back with other data.");
        }
    }
}
