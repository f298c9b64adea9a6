using Azure;
using Shroud.Storage;

namespace Shroud.Core.Apps;

/// <summary>One stored, still-wrapped version of an app KEK; <paramref name="DestroyAt"/> is set when it is retired.</summary>
public sealed record StoredKek(
    string AppId,
    int Version,
    byte[] WrappedKey,
    string RootKeyId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RetiredAt = null,
    DateTimeOffset? DestroyAt = null,
    ETag ETag = default);

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

    /// <summary>The ids of every app (a scan of app rows only; the apps table is small).</summary>
    public async Task<IReadOnlyList<string>> ListAppIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var entity in table.QueryAsync($"RowKey eq '{AppRow}'", ["PartitionKey"], ct: cancellationToken))
        {
            ids.Add(entity.PartitionKey);
        }

        return ids;
    }

    /// <summary>
    /// Retires <paramref name="retiring"/> and adds <paramref name="next"/> in one transaction that holds only if
    /// <paramref name="retiring"/> is unchanged since it was read; false when another instance rotated first.
    /// </summary>
    public async Task<bool> RotateAsync(StoredKek retiring, StoredKek next, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, ToEntity(retiring), retiring.ETag),
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(next)),
            ], cancellationToken);
            return true;
        }
        catch (TableStorageException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes a KEK version if it is unchanged since it was read; false when it is already gone or changed.</summary>
    public async Task<bool> DestroyAsync(StoredKek kek, CancellationToken cancellationToken)
    {
        try
        {
            return await table.DeleteEntityAsync(kek.AppId, KekRow(kek.Version), kek.ETag, cancellationToken);
        }
        catch (TableStorageException e) when (e.Status == 412)
        {
            return false;
        }
    }

    /// <summary>Stores a KEK version re-wrapped under another root key, if unchanged since it was read.</summary>
    public async Task<bool> ReplaceWrappingAsync(StoredKek kek, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(ToEntity(kek), kek.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (TableStorageException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    private static string KekRow(int version) => $"{KekPrefix}{version:D10}";

    private static TableEntity ToEntity(StoredKek kek) => new(kek.AppId, KekRow(kek.Version))
    {
        ["Version"] = kek.Version,
        ["WrappedKey"] = kek.WrappedKey,
        ["RootKeyId"] = kek.RootKeyId,
        ["CreatedAt"] = kek.CreatedAt,
        ["RetiredAt"] = kek.RetiredAt,
        ["DestroyAt"] = kek.DestroyAt,
    };

    private static StoredKek FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetInt32("Version") ?? 0,
        e.GetBinary("WrappedKey") ?? [],
        e.GetString("RootKeyId") ?? "",
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("RetiredAt"),
        e.GetDateTimeOffset("DestroyAt"),
        e.ETag);
}
