using Azure;
using Azure.Data.Tables;
using Shroud.Core.Access;

namespace Shroud.Storage;

/// <summary>API key rows (<c>key-{id}</c>) in their app's partition of the apps table.</summary>
public sealed class ApiKeyTable(TableClient table) : IApiKeyStore
{
    private const string KeyPrefix = "key-";

    public async Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        await table.AddEntityAsync(ToEntity(key), cancellationToken);

    public async Task<ApiKeyRecord?> GetAsync(string appId, string keyId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync<TableEntity>(appId, KeyPrefix + keyId, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {appId} and RowKey ge {KeyPrefix} and RowKey lt {"key."}");
        return await table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    /// <summary>Marks the key revoked; false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string appId, string keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(new TableEntity(appId, KeyPrefix + keyId) { ["RevokedAt"] = now }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    private static TableEntity ToEntity(ApiKeyRecord key) => new(key.AppId, KeyPrefix + key.KeyId)
    {
        ["Name"] = key.Name,
        ["Permissions"] = string.Join(',', PermissionNames.Format(key.Permissions)),
        ["SecretHash"] = key.SecretHash,
        ["CreatedAt"] = key.CreatedAt,
    };

    private static ApiKeyRecord FromEntity(TableEntity e)
    {
        var permissions = Permissions.None;
        foreach (var name in (e.GetString("Permissions") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (PermissionNames.TryParse(name, out var permission))
            {
                permissions |= permission;
            }
        }

        return new ApiKeyRecord(
            e.PartitionKey,
            e.RowKey[KeyPrefix.Length..],
            e.GetString("Name") ?? "",
            permissions,
            e.GetBinary("SecretHash") ?? [],
            e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("RevokedAt"));
    }
}
