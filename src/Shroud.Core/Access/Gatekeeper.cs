using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Audit;

namespace Shroud.Core.Access;

/// <summary>Who is calling: the bootstrap admin, or one app's API key with its permissions.</summary>
public sealed record Caller(string? AppId, string Name, Permissions Permissions);

/// <summary>
/// Checks the bearer key of every call. App keys are cached for <see cref="ShroudOptions.CacheRefresh"/>, so the hot
/// paths cost no storage request; a revocation takes effect at once on the instance that made it and within that
/// period on the others.
/// </summary>
public sealed class Gatekeeper(IApiKeyStore store, IOptions<ShroudOptions> options, TimeProvider clock, ShroudMetrics metrics, AuditTrail audit)
{
    /// <summary>The caller name of the bootstrap admin key, in place of a key id.</summary>
    public const string BootstrapKeyId = "bootstrap";

    private readonly ConcurrentDictionary<(string AppId, string KeyId), (ApiKeyRecord Key, DateTimeOffset LoadedAt)> cache = new();
    private readonly byte[]? bootstrapHash = options.Value.BootstrapAdminKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    /// <summary>
    /// Authorizes a call needing <paramref name="required"/> on <paramref name="appId"/> (null for deployment-wide calls,
    /// which only the bootstrap admin key may make). The bootstrap admin key holds <see cref="Permissions.Admin"/> only.
    /// </summary>
    public async Task<Caller> AuthorizeAsync(string? authorization, string? appId, Permissions required, CancellationToken cancellationToken)
    {
        try
        {
            return await CheckAsync(authorization, appId, required, cancellationToken);
        }
        catch (ShroudException e) when (e.Error == ShroudError.Unauthorized || e.Error == ShroudError.Forbidden)
        {
            metrics.Refused(e.Error);
            if (AppIds.IsValid(appId))
            {
                await audit.WriteAsync(new AuditEntry(appId, AuditActions.AccessDenied, e.Error.Code, KeyIdOf(authorization)));
            }

            throw;
        }
    }

    private async Task<Caller> CheckAsync(string? authorization, string? appId, Permissions required, CancellationToken cancellationToken)
    {
        var presented = BearerKey(authorization);
        if (IsBootstrap(presented))
        {
            return required == Permissions.Admin
                ? new Caller(appId, BootstrapKeyId, Permissions.Admin)
                : throw Forbidden(required);
        }

        if (!AppIds.IsValid(appId) || !ApiKeyToken.TryParse(presented, out var token))
        {
            throw Unauthorized();
        }

        var key = await FindAsync(appId, token.KeyId, cancellationToken);
        if (key is null || key.RevokedAt is not null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, token.SecretHash()))
        {
            throw Unauthorized();
        }

        return key.Permissions.HasFlag(required)
            ? new Caller(appId, key.KeyId, key.Permissions)
            : throw Forbidden(required);
    }

    /// <summary>
    /// The id of the key presented (<c>bootstrap</c> for the bootstrap admin key), for audit records; null when the
    /// header holds no well-formed key. Names the caller only once <see cref="AuthorizeAsync"/> has accepted the key.
    /// </summary>
    public string? KeyIdOf(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = authorization[scheme.Length..].Trim();
        return IsBootstrap(presented) ? BootstrapKeyId : ApiKeyToken.TryParse(presented, out var token) ? token.KeyId : null;
    }

    /// <summary>Drops a key from this instance's cache (after a revocation).</summary>
    public void Forget(string appId, string keyId) => cache.TryRemove((appId, keyId), out _);

    private async Task<ApiKeyRecord?> FindAsync(string appId, string keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (cache.TryGetValue((appId, keyId), out var cached) && now - cached.LoadedAt < options.Value.CacheRefresh)
        {
            return cached.Key;
        }

        var key = await store.GetAsync(appId, keyId, cancellationToken);
        if (key is null)
        {
            cache.TryRemove((appId, keyId), out _);
        }
        else
        {
            cache[(appId, keyId)] = (key, now);
        }

        return key;
    }

    private bool IsBootstrap(string presented) =>
        bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(bootstrapHash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    private static string BearerKey(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            throw new ShroudException(ShroudError.Unauthorized, "Send an API key as 'Authorization: Bearer <key>'.");
        }

        return authorization[scheme.Length..].Trim();
    }

    private static ShroudException Unauthorized() =>
        new(ShroudError.Unauthorized, "The API key is not valid for this app.");

    private static ShroudException Forbidden(Permissions required) =>
        new(ShroudError.Forbidden, $"This call needs the '{string.Join(',', PermissionNames.Format(required))}' permission.");
}
