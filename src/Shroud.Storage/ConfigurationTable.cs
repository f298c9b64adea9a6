using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Apps;
using Shroud.Core.Configurations;
using Shroud.Core.Conversations;

namespace Shroud.Storage;

/// <summary>
/// Configuration rows (<c>cfg-{id}</c>) in their app's partition of the apps table, each with a name row
/// (<c>cfgname-{hash of the lower-cased name}</c>) written in the same transaction, so names stay unique per app.
/// </summary>
public sealed class ConfigurationTable(TableClient table, IAppStore apps, AppDirectory directory, IConversationStore conversations) : IConfigurationStore
{
    public const string RowPrefix = "cfg-";
    private const string NamePrefix = "cfgname-";

    public async Task<EncryptionConfiguration> CreateAsync(string appId, EncryptionConfiguration configuration, CancellationToken cancellationToken)
    {
        try
        {
            await table.TransactAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, ToEntity(appId, configuration)),
                new TableTransactionAction(TableTransactionActionType.Add, NameEntity(appId, configuration)),
            ], cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw NameTaken(configuration.Name);
        }

        return await GetAsync(appId, configuration.Id, cancellationToken) ?? throw ShroudException.ConfigurationNotFound(configuration.Id);
    }

    public async Task<EncryptionConfiguration?> GetAsync(string appId, string id, CancellationToken cancellationToken)
    {
        if (!ConfigurationIds.IsValid(id))
        {
            return null;
        }

        var entity = await table.GetEntityIfExistsAsync<TableEntity>(appId, RowPrefix + id, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    public async Task<IReadOnlyList<EncryptionConfiguration>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and RowKey ge {RowPrefix} and RowKey lt {"cfg."}");
        return await table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    public async Task<EncryptionConfiguration> ReplaceAsync(string appId, EncryptionConfiguration updated, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var current = await GetAsync(appId, updated.Id, cancellationToken) ?? throw ShroudException.ConfigurationNotFound(updated.Id);
        CheckMatch(current, ifMatch);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, ToEntity(appId, updated), current.ETag),
        };
        if (NameKey(current.Name) != NameKey(updated.Name))
        {
            actions.Add(new(TableTransactionActionType.Delete, NameEntity(appId, current)));
            actions.Add(new(TableTransactionActionType.Add, NameEntity(appId, updated)));
        }

        try
        {
            await table.TransactAsync(actions, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw NameTaken(updated.Name);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw Stale(updated.Id);
        }

        directory.Forget(appId);
        return await GetAsync(appId, updated.Id, cancellationToken) ?? throw ShroudException.ConfigurationNotFound(updated.Id);
    }

    /// <summary>
    /// Refused while the configuration is the default or a conversation uses it. The app row's ETag, checked in the
    /// same transaction, guards against a concurrent change of default.
    /// </summary>
    public async Task DeleteAsync(string appId, string id, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var settings = await apps.GetSettingsAsync(appId, cancellationToken);
        var current = await GetAsync(appId, id, cancellationToken) ?? throw ShroudException.ConfigurationNotFound(id);
        CheckMatch(current, ifMatch);
        if (settings.DefaultConfigurationId == id)
        {
            throw new ShroudException(ShroudError.ConfigurationInUse, $"Configuration '{id}' is the app's default; choose another default (or none) first.");
        }

        // A conversation started between this check and the delete is sealed under the strictest rules (see ChatEvents).
        if (await conversations.UsesConfigurationAsync(appId, id, cancellationToken))
        {
            throw new ShroudException(ShroudError.ConfigurationInUse, $"Configuration '{id}' is used by conversations that started encryption with it; end their encryption first.");
        }

        try
        {
            await table.TransactAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, ToEntity(appId, current), current.ETag),
                new TableTransactionAction(TableTransactionActionType.Delete, NameEntity(appId, current)),
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(appId, AppTable.AppRow), settings.ETag),
            ], cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw Stale(id);
        }

        directory.Forget(appId);
    }

    internal static EncryptionConfiguration FromEntity(TableEntity e) => new(
        e.RowKey[RowPrefix.Length..],
        e.GetString("Name") ?? "",
        e.GetBoolean("EncryptUserMessages") ?? false,
        e.GetBoolean("EncryptBotMessages") ?? false,
        e.GetBoolean("EncryptAgentMessages") ?? false,
        e.GetBoolean("Transport") ?? false,
        e.GetBoolean("Transcript") ?? false,
        e.GetBoolean("EncryptMedia") ?? false,
        JsonSerializer.Deserialize<string[]>(e.GetString("SensitiveVariables") ?? "[]") ?? [],
        e.GetInt64("TtlSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        e.ETag);

    private static TableEntity ToEntity(string appId, EncryptionConfiguration c) => new(appId, RowPrefix + c.Id)
    {
        ["Name"] = c.Name,
        ["EncryptUserMessages"] = c.EncryptUserMessages,
        ["EncryptBotMessages"] = c.EncryptBotMessages,
        ["EncryptAgentMessages"] = c.EncryptAgentMessages,
        ["Transport"] = c.Transport,
        ["Transcript"] = c.Transcript,
        ["EncryptMedia"] = c.EncryptMedia,
        ["SensitiveVariables"] = JsonSerializer.Serialize(c.SensitiveVariables),
        ["TtlSeconds"] = c.Ttl is { } ttl ? (long)ttl.TotalSeconds : null,
    };

    private static TableEntity NameEntity(string appId, EncryptionConfiguration c) =>
        new(appId, NamePrefix + NameKey(c.Name)) { ["ConfigurationId"] = c.Id };

    private static string NameKey(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToLowerInvariant())))[..32];

    private static void CheckMatch(EncryptionConfiguration current, ETag? ifMatch)
    {
        if (ifMatch is { } expected && expected != ETag.All && expected != current.ETag)
        {
            throw Stale(current.Id);
        }
    }


    private static ShroudException NameTaken(string name) =>
        new(ShroudError.ConfigurationNameTaken, $"The app already has a configuration named '{name}'.");

    private static ShroudException Stale(string id) =>
        new(ShroudError.PreconditionFailed, $"Configuration '{id}' has changed since it was read; read it again and retry.");
}
