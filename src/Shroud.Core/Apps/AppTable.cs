using Azure;
using Shroud.Core.Configurations;
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

/// <summary>An app's own settings, from its app row.</summary>
public sealed record AppSettings(string AppId, DateTimeOffset CreatedAt, string? DefaultConfigurationId, string RedactionText, ETag ETag = default)
{
    public const string DefaultRedaction = "★★★★★";
}

/// <summary>Everything the service needs of one app at request time, read with one query.</summary>
public sealed record StoredApp(AppSettings Settings, IReadOnlyList<StoredKek> Keks, IReadOnlyList<EncryptionConfiguration> Configurations);

/// <summary>
/// The apps table: one partition per app holding its app row (<c>app</c>), its configurations (<c>cfg-…</c>),
/// its KEK versions (<c>kek-{version}</c>) and its API keys (<c>key-{id}</c>). An app and its first KEK are created
/// in one transaction, and the app row, configurations and KEKs (the range <c>app</c> to <c>kek.</c>) load with one query.
/// </summary>
public sealed class AppTable(TableClient table)
{
    public const string AppRow = "app";
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
        catch (StorageException e) when (e.Status == 409)
        {
            throw new ShroudException(ShroudError.AppExists, $"An app with id '{appId}' already exists.");
        }
    }

    /// <summary>The app row, configurations and KEK versions in one query; null when the app does not exist.</summary>
    public async Task<StoredApp?> LoadAsync(string appId, CancellationToken cancellationToken)
    {
        AppSettings? settings = null;
        var keks = new List<StoredKek>();
        var configurations = new List<EncryptionConfiguration>();
        await foreach (var entity in table.QueryAsync($"PartitionKey eq {TableFilter.Quote(appId)} and RowKey ge '{AppRow}' and RowKey lt 'kek.'", ct: cancellationToken))
        {
            if (entity.RowKey == AppRow)
            {
                settings = SettingsFromEntity(entity);
            }
            else if (entity.RowKey.StartsWith(KekPrefix, StringComparison.Ordinal))
            {
                keks.Add(FromEntity(entity));
            }
            else if (entity.RowKey.StartsWith(ConfigurationStore.RowPrefix, StringComparison.Ordinal))
            {
                configurations.Add(ConfigurationStore.FromEntity(entity));
            }
        }

        return settings is null ? null : new StoredApp(settings, keks, configurations);
    }

    /// <summary>The app row; <see cref="ShroudError.AppNotFound"/> when there is none.</summary>
    public async Task<AppSettings> GetSettingsAsync(string appId, CancellationToken cancellationToken)
    {
        var entity = AppIds.IsValid(appId) ? await table.GetEntityIfExistsAsync(appId, AppRow, ct: cancellationToken) : null;
        return entity is null
            ? throw new ShroudException(ShroudError.AppNotFound, $"App '{appId}' does not exist.")
            : SettingsFromEntity(entity);
    }

    /// <summary>Writes the app's settings if its row still has the ETag they were read with.</summary>
    public async Task<bool> UpdateSettingsAsync(AppSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(
                new TableEntity(settings.AppId, AppRow)
                {
                    ["CreatedAt"] = settings.CreatedAt,
                    ["DefaultConfigurationId"] = settings.DefaultConfigurationId,
                    ["RedactionText"] = settings.RedactionText,
                },
                settings.ETag,
                TableUpdateMode.Replace,
                cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Every KEK version of the app in one query, oldest first; empty when the app does not exist.</summary>
    public async Task<IReadOnlyList<StoredKek>> ListKeksAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Quote(appId)} and RowKey ge '{KekPrefix}' and RowKey lt 'kek.'";
        return await table.QueryAsync(filter, ct: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    /// <summary>The ids of every app (a scan of app rows only; the apps table is small).</summary>
    public async Task<IReadOnlyList<string>> ListAppIdsAsync(CancellationToken cancellationToken)
    {
        return await table.QueryAsync($"RowKey eq '{AppRow}'", ["PartitionKey"], ct: cancellationToken).Select(e => e.PartitionKey).ToListAsync(cancellationToken);
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
        catch (StorageException e) when (e.Status is 404 or 409 or 412)
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
        catch (StorageException e) when (e.Status == 412)
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
        catch (StorageException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    private static AppSettings SettingsFromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetString("DefaultConfigurationId"),
        e.GetString("RedactionText") ?? AppSettings.DefaultRedaction,
        e.ETag);

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
