using System.Buffers.Text;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Apps;
using Shroud.Core.Configurations;

namespace Shroud.Storage;

/// <summary>
/// The apps table: one partition per app holding its app row (<c>app</c>), its configurations (<c>cfg-…</c>),
/// its KEK versions (<c>kek-{version}</c>), its API keys (<c>key-{id}</c>) and its channels (<c>chn-…</c>, which the load
/// below skips). An app and its first KEK are created in one transaction, and the app row, configurations and KEKs (the
/// range <c>app</c> to <c>kek.</c>) load with one query.
/// </summary>
public sealed class AppTable(TableClient table) : IAppStore
{
    public const string AppRow = "app";
    private const string KekPrefix = "kek-";

    public async Task CreateAppAsync(string appId, StoredKek firstKek, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await table.TransactAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(appId, AppRow) { ["CreatedAt"] = now }),
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(firstKek)),
            ], cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // A transaction whose answer was lost and that the retry sent again meets its own rows: the first KEK row
            // then holds the key this request wrapped (fresh and random), which no other creator of the app can have.
            var stored = await table.GetEntityIfExistsAsync<TableEntity>(appId, KekRow(firstKek.Version), select: ["WrappedKey"], cancellationToken: cancellationToken);
            if (stored.HasValue && stored.Value!.GetBinary("WrappedKey") is { } wrapped && wrapped.AsSpan().SequenceEqual(firstKek.WrappedKey))
            {
                return;
            }

            throw new ShroudException(ShroudError.AppExists, $"An app with id '{appId}' already exists.");
        }
    }

    /// <summary>The app row, configurations and KEK versions in one query.</summary>
    public async Task<StoredApp?> LoadAsync(string appId, CancellationToken cancellationToken)
    {
        AppSettings? settings = null;
        var keks = new List<StoredKek>();
        var configurations = new List<EncryptionConfiguration>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and RowKey ge {AppRow} and RowKey lt {"kek."}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == AppRow)
            {
                settings = SettingsFromEntity(entity);
            }
            else if (entity.RowKey.StartsWith(KekPrefix, StringComparison.Ordinal))
            {
                keks.Add(FromEntity(entity));
            }
            else if (entity.RowKey.StartsWith(ConfigurationTable.RowPrefix, StringComparison.Ordinal))
            {
                configurations.Add(ConfigurationTable.FromEntity(entity));
            }
        }

        return settings is null ? null : new StoredApp(settings, keks, configurations);
    }

    public async Task<AppSettings> GetSettingsAsync(string appId, CancellationToken cancellationToken)
    {
        var entity = AppIds.IsValid(appId) ? await table.GetEntityIfExistsAsync<TableEntity>(appId, AppRow, cancellationToken: cancellationToken) : null;
        return entity is { HasValue: true }
            ? SettingsFromEntity(entity.Value!)
            : throw ShroudException.AppNotFound(appId);
    }

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
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Every KEK version of the app in one query, oldest first (row keys hold the version zero-padded).</summary>
    public async Task<IReadOnlyList<StoredKek>> ListKeksAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and RowKey ge {KekPrefix} and RowKey lt {"kek."}");
        return await table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    /// <summary>The ids of every app (a scan of app rows only; the apps table is small).</summary>
    public async Task<IReadOnlyList<string>> ListAppIdsAsync(CancellationToken cancellationToken)
    {
        return await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {AppRow}"), select: ["PartitionKey"], cancellationToken: cancellationToken)
            .Select(e => e.PartitionKey).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// One page of app rows through the SDK's paging. The SDK's continuation token holds a space, so callers get it as
    /// base64url; a token that does not decode, or that storage rejects, is the caller's mistake and not a fault.
    /// </summary>
    public async Task<AppPage> ListAppsAsync(string? continuationToken, int maxPerPage, CancellationToken cancellationToken)
    {
        var token = continuationToken is null ? null : DecodeContinuationToken(continuationToken);
        var query = table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {AppRow}"), maxPerPage, ["PartitionKey", "CreatedAt"], cancellationToken);
        try
        {
            await foreach (var page in query.AsPages(token, maxPerPage))
            {
                return new AppPage(
                    page.Values.Select(e => new AppSummary(e.PartitionKey, e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue)).ToList(),
                    page.ContinuationToken is { Length: > 0 } next ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(next)) : null);
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && token is not null)
        {
            throw InvalidContinuationToken();
        }

        return new AppPage([], null);
    }

    private const int MaxContinuationTokenLength = 1024;

    private static string DecodeContinuationToken(string text)
    {
        if (text.Length is 0 or > MaxContinuationTokenLength || !Base64Url.IsValid(text))
        {
            throw InvalidContinuationToken();
        }

        var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        return decoded.Length > 0 && !decoded.Any(char.IsControl) ? decoded : throw InvalidContinuationToken();
    }

    private static ShroudException InvalidContinuationToken() =>
        ShroudException.Invalid("continuationToken", "must be the continuationToken of a previous page, as it was returned.");

    /// <summary>One transaction: the retiring row's update holds only if its ETag is unchanged.</summary>
    public async Task<bool> RotateAsync(StoredKek retiring, StoredKek next, CancellationToken cancellationToken)
    {
        try
        {
            await table.TransactAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, ToEntity(retiring), retiring.ETag),
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(next)),
            ], cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }

    public async Task<bool> DestroyAsync(StoredKek kek, CancellationToken cancellationToken)
    {
        try
        {
            return (await table.DeleteEntityAsync(kek.AppId, KekRow(kek.Version), kek.ETag, cancellationToken)).Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    public async Task<bool> ReplaceWrappingAsync(StoredKek kek, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(ToEntity(kek), kek.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
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

    private static string KekRow(int version) => KekPrefix + version.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(StoredKek kek) => new(kek.AppId, KekRow(kek.Version))
    {
        ["Version"] = kek.Version,
        ["WrappedKey"] = kek.WrappedKey,
        ["RootKeyId"] = kek.RootKeyId,
        ["CreatedAt"] = kek.CreatedAt,
        ["RetiredAt"] = kek.RetiredAt,
        ["DestroyAt"] = kek.DestroyAt,
        ["MaxTtlSeconds"] = kek.MaxTtl is { } maxTtl ? (long)maxTtl.TotalSeconds : null,
    };

    private static StoredKek FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetInt32("Version") ?? 0,
        e.GetBinary("WrappedKey") ?? [],
        e.GetString("RootKeyId") ?? "",
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("RetiredAt"),
        e.GetDateTimeOffset("DestroyAt"),
        e.ETag,
        e.GetInt64("MaxTtlSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
}
