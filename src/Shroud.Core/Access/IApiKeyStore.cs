namespace Shroud.Core.Access;

/// <summary>An app API key as stored: permissions and the hash of its secret, never the secret.</summary>
public sealed record ApiKeyRecord(string AppId, string KeyId, string Name, Permissions Permissions, byte[] SecretHash, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>The stored API keys of each app.</summary>
public interface IApiKeyStore
{
    Task AddAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> GetAsync(string appId, string keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string appId, CancellationToken cancellationToken);

    /// <summary>Marks the key revoked; false when there is no such key.</summary>
    Task<bool> RevokeAsync(string appId, string keyId, DateTimeOffset now, CancellationToken cancellationToken);
}
