using Shroud.Storage;

namespace Shroud.Core.Access;

/// <summary>An app API key as stored: permissions and the hash of its secret, never the secret.</summary>
public sealed record ApiKeyRecord(string AppId, string KeyId, string Name, Permissions Permissions, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>API key rows (<c>key-{id}</c>) in their app's partition of the apps table.</summary>
public sealed class ApiKeyStore(TableClient table)
{
    private const string KeyPrefix = "key-";

    public async Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        await table.AddEntityAsync(ToEntity(key), cancellationToken);

    public async Task<ApiKeyRecord?> GetAsync(string appId, string keyId, CancellationToken cancellationToken)
    {
        var entity = await table.GetEntityIfExistsAsync(appId, KeyPrefix + keyId, ct: cancellationToken);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Quote(appId)} and RowKey ge '{KeyPrefix}' and RowKey lt 'key.'";
        return await table.QueryAsync(filter, ct: cancellationToken).Select(FromEntity).ToListAsync(cancellationToken);
    }

    /// <summary>Marks the key revoked; false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string appId, string keyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(new TableEntity(appId, KeyPrefix + keyId) { ["RevokedAt"] = now }, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.Status == 404)
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
