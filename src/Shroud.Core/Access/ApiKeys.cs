using Shroud.Core.Apps;

namespace Shroud.Core.Access;

/// <summary>Creating, listing and revoking an app's API keys.</summary>
public sealed class ApiKeys(IApiKeyStore store, AppDirectory apps, Gatekeeper gatekeeper, TimeProvider clock)
{
    public const int MaxNameLength = 100;

    /// <summary>
    /// Creates a key; the returned text is the only time the secret exists outside the caller. An app key may grant only
    /// permissions it holds itself, so <c>admin</c> alone cannot mint a key that decrypts; the bootstrap admin key grants any.
    /// </summary>
    public async Task<(ApiKeyRecord Key, string Text)> CreateAsync(Caller creator, string appId, string name, Permissions permissions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw ShroudException.Invalid("name", $"must be 1 to {MaxNameLength} characters.");
        }

        if (permissions == Permissions.None)
        {
            throw ShroudException.Invalid("permissions", $"must list at least one of: {PermissionNames.Known}.");
        }

        if (!creator.IsBootstrap && (permissions & ~creator.Permissions) is var missing and not Permissions.None)
        {
            throw new ShroudException(
                ShroudError.Forbidden,
                $"A key may grant only permissions it holds itself; this key lacks '{string.Join("', '", PermissionNames.Format(missing))}'.");
        }

        await apps.EnsureExistsAsync(appId, cancellationToken);
        var token = ApiKeyToken.New();
        var key = new ApiKeyRecord(appId, token.KeyId, name, permissions, token.SecretHash(), clock.GetUtcNow(), null);
        await store.AddAsync(key, cancellationToken);

        // The id may have been looked up (and remembered as unknown) before; the key works at once on this instance.
        gatekeeper.Forget(appId, key.KeyId);
        return (key, token.Reveal());
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        await apps.EnsureExistsAsync(appId, cancellationToken);
        return await store.ListAsync(appId, cancellationToken);
    }

    public async Task RevokeAsync(string appId, string keyId, CancellationToken cancellationToken)
    {
        await apps.EnsureExistsAsync(appId, cancellationToken);
        if (!ApiKeyToken.IsKeyId(keyId) || !await store.RevokeAsync(appId, keyId, clock.GetUtcNow(), cancellationToken))
        {
            throw new ShroudException(ShroudError.KeyNotFound, $"App '{appId}' has no API key '{keyId}'.");
        }

        gatekeeper.Forget(appId, keyId);
    }
}
