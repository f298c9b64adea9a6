using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Shroud.IntegrationTests.Compatibility;

/// <summary>
/// What the previous storage layer (commit e8ebf92, hand-written Table and Blob clients) wrote through its API:
/// every row and blob of its tables and container, the settings and secrets it ran with, and what its API answered.
/// See <c>previous-version.json</c>.
/// </summary>
public sealed record PreviousVersionData(
    DateTimeOffset SealedAt,
    PreviousVersionSettings Settings,
    string AppId,
    PreviousVersionApiKey ApiKey,
    JsonObject App,
    PreviousVersionValue Single,
    IReadOnlyList<PreviousVersionValue> Batch,
    JsonObject Configuration,
    JsonObject Conversation,
    JsonArray SealedEvents,
    JsonArray RevealedEvents,
    PreviousVersionMedia Media,
    IReadOnlyList<PreviousVersionRow> Rows,
    IReadOnlyList<PreviousVersionBlob> Blobs)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static PreviousVersionData Load() =>
        JsonSerializer.Deserialize<PreviousVersionData>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Compatibility", "previous-version.json")), Json)!;

    /// <summary>Writes the rows, with their original EDM types, and the blobs into the tables and container of <paramref name="prefix"/>.</summary>
    public async Task SeedAsync(TableServiceClient tables, BlobServiceClient blobs, string prefix)
    {
        foreach (var group in Rows.GroupBy(row => row.Table))
        {
            var table = tables.GetTableClient(prefix + group.Key);
            await table.CreateIfNotExistsAsync();
            foreach (var row in group)
            {
                await table.AddEntityAsync(row.ToEntity());
            }
        }

        var container = blobs.GetBlobContainerClient(prefix.ToLowerInvariant() + "media");
        await container.CreateIfNotExistsAsync();
        foreach (var blob in Blobs)
        {
            await container.GetBlobClient(blob.Name).UploadAsync(
                new BinaryData(Convert.FromBase64String(blob.ContentBase64)),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = blob.ContentType } });
        }
    }
}

/// <summary>The settings the previous version ran with; the root key opens the captured app KEK.</summary>
public sealed record PreviousVersionSettings(string BootstrapAdminKey, string RootKeyId, string RootKey, string MaxTtl);

/// <summary>The API key made by the previous version: its secret, shown once, and what listing it answered.</summary>
public sealed record PreviousVersionApiKey(string Id, string Secret, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt);

/// <summary>A value sealed by the previous version, its reference and its plaintext.</summary>
public sealed record PreviousVersionValue(string Ref, string Value, DateTimeOffset ExpiresAt);

/// <summary>A media file sealed by the previous version and the bytes that were uploaded.</summary>
public sealed record PreviousVersionMedia(string Ref, string FileName, string ContentType, DateTimeOffset ExpiresAt, string ContentBase64);

/// <summary>A blob of the media container, as stored.</summary>
public sealed record PreviousVersionBlob(string Name, string ContentType, string ContentBase64);

/// <summary>One stored row: table name without prefix, keys, and each property with the EDM type storage reported.</summary>
public sealed record PreviousVersionRow(string Table, string PartitionKey, string RowKey, IReadOnlyList<PreviousVersionProperty> Properties)
{
    public TableEntity ToEntity()
    {
        var entity = new TableEntity(PartitionKey, RowKey);
        foreach (var property in Properties)
        {
            entity[property.Name] = property.ToValue();
        }

        return entity;
    }
}

/// <summary>A property as the OData JSON carried it (Int64 as a string, Binary as base64, DateTime as ISO 8601).</summary>
public sealed record PreviousVersionProperty(string Name, string Type, JsonElement Value)
{
    // The SDK writes each CLR type with exactly one EDM type, so the inserted row has the captured types.
    public object ToValue() => Type switch
    {
        "Edm.String" => Value.GetString()!,
        "Edm.Boolean" => Value.GetBoolean(),
        "Edm.Int32" => Value.GetInt32(),
        "Edm.Int64" => long.Parse(Value.GetString()!, CultureInfo.InvariantCulture),
        "Edm.Binary" => Convert.FromBase64String(Value.GetString()!),
        "Edm.DateTime" => DateTimeOffset.Parse(Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new NotSupportedException($"The fixture holds an EDM type the seeding does not know: {Type}."),
    };
}
