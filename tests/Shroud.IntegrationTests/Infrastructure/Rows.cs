using System.Buffers.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Shroud.Core.Audit;
using Shroud.Storage;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Direct looks at stored rows, for tests that check or alter what Shroud wrote.</summary>
public static class Rows
{
    public static async Task<List<TableEntity>> AllAsync(TableClient table, string? filter = null)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Every audit record in the audit table, with the row that holds it.</summary>
    public static async Task<List<(TableEntity Row, AuditRecord Record)>> AuditRecordsAsync(TableClient audit) =>
        (await AllAsync(audit)).SelectMany(row => AuditTable.FromEntity(row).Select(record => (row, record))).ToList();

    /// <summary>A row's columns as text, binary ones decoded as UTF-8 (an audit row's records are JSON).</summary>
    public static string Text(TableEntity row) =>
        string.Join('\n', row.Select(c => $"{c.Key}={(c.Value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : c.Value)}"));

    /// <summary>A blob's bytes; null when it does not exist.</summary>
    public static async Task<byte[]?> BlobAsync(BlobContainerClient container, string name)
    {
        try
        {
            return (await container.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Replaces a blob's bytes.</summary>
    public static async Task ReplaceBlobAsync(BlobContainerClient container, string name, byte[] content) =>
        await container.GetBlobClient(name).UploadAsync(new BinaryData(content), overwrite: true);

    /// <summary>The ref id (the record's row key) inside a reference.</summary>
    public static string RefIdOf(string reference) =>
        Base64Url.EncodeToString(Base64Url.DecodeFromChars(reference.AsSpan("shr1.".Length))[..16]);
}
