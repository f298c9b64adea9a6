using System.Buffers.Text;
using System.Security.Cryptography;
using Azure.Data.Tables;

namespace Shroud.Benchmarks;

/// <summary>The baseline: the plain Azure.Data.Tables client, as a user would write it, inserting and point-reading rows shaped like Shroud's records.</summary>
internal sealed class RawTable(TableClient table, int valueBytes, int slots)
{
    private readonly (string PartitionKey, string RowKey)[] keys = new (string, string)[slots];

    // Same sizes as a sealed value: ciphertext = plaintext + 12-byte nonce + 16-byte tag; DEK wrapped twice = 32 + 2 × 28.
    private readonly byte[] data = RandomNumberGenerator.GetBytes(valueBytes + 28);
    private readonly byte[] dek = RandomNumberGenerator.GetBytes(88);

    public static async Task<RawTable> CreateAsync(string connectionString, string tableName, int valueBytes, int slots, CancellationToken ct)
    {
        var service = new TableServiceClient(connectionString);
        await service.CreateTableIfNotExistsAsync(tableName, ct);
        return new RawTable(service.GetTableClient(tableName), valueBytes, slots);
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
