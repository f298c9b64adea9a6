using Azure;
using Shroud.Storage;

namespace Shroud.Core.Apps;

/// <summary>One stored, still-wrapped version of an app KEK.</summary>
public sealed record StoredKek(string AppId, int Version, byte[] WrappedKey, string RootKeyId, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, ETag ETag = default);

/// <summary>
/// The apps table: one partition per app holding its app row (<c>app</c>), its KEK versions
/// (<c>kek-{version}</c>) and its API keys (<c>key-{id}</c>), so an app and its first KEK are
/// created in one transaction and all its KEKs load with one query.
/// </summary>
public sealed class AppTable(TableClient table)
{
    private const string AppRow = "app";
    private const string KekPrefix = "kek-";

    public TableClient Table => table;

    /// <summary>Creates the app row and its first KEK atomically; <see cref="ShroudError.AppExists"/> when the id is taken.</summary>
    public async Task CreateAppAsync(string appId, StoredKek firstKek, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(appId, AppRow) { ["CreatedAt"] = now }),
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(firstKek)),
            ], cancellationToken);
        }
        catch (TableStorageException e) when (e.Status == 409)
        {
            throw new ShroudException(ShroudError.AppExists, $"An app with id '{appId}' already exists.");
        }
    }

    /// <summary>Every KEK version of the app in one query, oldest first; empty when the app does not exist.</summary>
    public async Task<IReadOnlyList<StoredKek>> ListKeksAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Quote(appId)} and RowKey ge '{KekPrefix}' and RowKey lt 'kek.'";
        var keks = new List<StoredKek>();
        await foreach (var entity in table.QueryAsync(filter, ct: cancellationToken))
        {
            keks.Add(FromEntity(entity));
        }

        return keks;
    }

    private static string KekRow(int version) => $"{KekPrefix}{version:D10}";

    private static TableEntity ToEntity(StoredKek kek) => new(kek.AppId, KekRow(kek.Version))
    {
        ["Version"] = kek.Version,
        ["WrappedKey"] = kek.WrappedKey,
        ["RootKeyId"] = kek.RootKeyId,
        ["CreatedAt"] = kek.CreatedAt,
        ["RetiredAt"] = kek.RetiredAt,
    };

    private static StoredKek FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetInt32("Version") ?? 0,
        e.GetBinary("WrappedKey") ?? [],
        e.GetString("RootKeyId") ?? "",
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("RetiredAt"),
        e.ETag);
}
