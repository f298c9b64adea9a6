using Azure;
using Azure.Data.Tables;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Storage;

/// <summary>
/// Channel rows (<c>chn-{id}</c>) in their app's partition of the apps table, each sealed secret in a binary column
/// <c>Secret_{name}</c> beside the KEK version that sealed them all. A row without <c>RevealOnSend</c> (written before
/// the column existed) reveals on send, the default.
/// </summary>
public sealed class ChannelTable(TableClient table) : IChannelStore
{
    public const string RowPrefix = "chn-";
    private const string SecretPrefix = "Secret_";

    public async Task<Channel> CreateAsync(string appId, Channel channel, CancellationToken cancellationToken)
    {
        await table.AddEntityAsync(ToEntity(appId, channel), cancellationToken);
        return await GetAsync(appId, channel.Id, cancellationToken) ?? throw NotFound(channel.Id);
    }

    public async Task<Channel?> GetAsync(string appId, string id, CancellationToken cancellationToken)
    {
        if (!ChannelIds.IsValid(id))
        {
            return null;
        }

        var entity = await table.GetEntityIfExistsAsync<TableEntity>(appId, RowPrefix + id, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    public async Task<IReadOnlyList<Channel>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and RowKey ge {RowPrefix} and RowKey lt {"chn."}");
        return await table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    public async Task<Channel> ReplaceAsync(string appId, Channel updated, ETag? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(ToEntity(appId, updated), ifMatch ?? ETag.All, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw NotFound(updated.Id);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw Stale(updated.Id);
        }

        return await GetAsync(appId, updated.Id, cancellationToken) ?? throw NotFound(updated.Id);
    }

    public async Task DeleteAsync(string appId, string id, ETag? ifMatch, CancellationToken cancellationToken)
    {
        var current = await GetAsync(appId, id, cancellationToken) ?? throw NotFound(id);
        try
        {
            await table.DeleteEntityAsync(appId, RowPrefix + id, ifMatch ?? current.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            throw Stale(id);
        }
    }

    private static Channel FromEntity(TableEntity e) => new(
        e.RowKey[RowPrefix.Length..],
        e.GetString("Type") ?? "",
        e.GetString("Name") ?? "",
        e.GetString("ForwardUrl") ?? "",
        e.GetString("PublicUrl"),
        e.GetString("ApiBaseUrl"),
        e.GetInt32("KekVersion") ?? 0,
        e.Keys.Where(k => k.StartsWith(SecretPrefix, StringComparison.Ordinal))
            .ToDictionary(k => k[SecretPrefix.Length..], k => e.GetBinary(k), StringComparer.Ordinal),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        e.ETag,
        e.GetBoolean("RevealOnSend") ?? true);

    private static TableEntity ToEntity(string appId, Channel c)
    {
        var entity = new TableEntity(appId, RowPrefix + c.Id)
        {
            ["Type"] = c.Type,
            ["Name"] = c.Name,
            ["ForwardUrl"] = c.ForwardUrl,
            ["PublicUrl"] = c.PublicUrl,
            ["ApiBaseUrl"] = c.ApiBaseUrl,
            ["KekVersion"] = c.KekVersion,
            ["CreatedAt"] = c.CreatedAt,
            ["RevealOnSend"] = c.RevealOnSend,
        };
        foreach (var (name, sealedSecret) in c.SealedSecrets)
        {
            entity[SecretPrefix + name] = sealedSecret;
        }

        return entity;
    }

    private static ShroudException NotFound(string id) =>
        new(ShroudError.ChannelNotFound, $"The app has no channel '{id}'.");

    private static ShroudException Stale(string id) =>
        new(ShroudError.PreconditionFailed, $"Channel '{id}' has changed since it was read; read it again and retry.");
}
