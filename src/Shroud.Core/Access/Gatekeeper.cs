using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Caching;

namespace Shroud.Core.Access;

/// <summary>Who is calling: the bootstrap admin, or one app's API key with its permissions.</summary>
public sealed record Caller(string? AppId, string Name, Permissions Permissions, bool IsBootstrap = false);

/// <summary>
/// Checks the bearer key of every call. App keys are cached for <see cref="ShroudOptions.CacheRefresh"/>, so the hot
/// paths cost no storage request; a revocation takes effect at once on the instance that made it (a lookup already in
/// flight cannot put the key back) and within that period on the others. A key id that does not exist is remembered
/// too, for <see cref="UnknownKeyLifetime"/> at most, so that made-up keys do not cost a storage read each.
/// </summary>
public sealed class Gatekeeper : IDisposable
{
    /// <summary>The caller name of the bootstrap admin key, in place of a key id.</summary>
    public const string BootstrapKeyId = "bootstrap";

    /// <summary>The most key ids (known or unknown) one instance keeps; unknown ones are dropped first when it is full.</summary>
    public const int MaxCachedKeys = 100_000;

    /// <summary>How long an unknown key id is remembered (shorter when <see cref="ShroudOptions.CacheRefresh"/> is).</summary>
    public static readonly TimeSpan UnknownKeyLifetime = TimeSpan.FromSeconds(10);

    private readonly ShroudMetrics metrics;
    private readonly AuditTrail audit;
    private readonly LoadingCache<(string AppId, string KeyId), ApiKeyRecord?> cache;
    private readonly byte[]? bootstrapHash;

    public Gatekeeper(IApiKeyStore store, IOptions<ShroudOptions> options, TimeProvider clock, ShroudMetrics metrics, AuditTrail audit)
    {
        this.metrics = metrics;
        this.audit = audit;
        bootstrapHash = options.Value.BootstrapAdminKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
        cache = new(
            clock,
            MaxCachedKeys,
            id => store.GetAsync(id.AppId, id.KeyId, CancellationToken.None),
            found => found is null
                ? new CacheLifetime(options.Value.CacheRefresh < UnknownKeyLifetime ? options.Value.CacheRefresh : UnknownKeyLifetime, CacheItemPriority.Low)
                : new CacheLifetime(options.Value.CacheRefresh));
    }

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
                ? new Caller(appId, BootstrapKeyId, Permissions.Admin, IsBootstrap: true)
                : throw Forbidden(required);
        }

        if (!AppIds.IsValid(appId) || !ApiKeyToken.TryParse(presented, out var token))
        {
            throw Unauthorized();
        }

        var key = await cache.GetAsync((appId, token.KeyId)).WaitAsync(cancellationToken);
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

    /// <summary>Drops a key id from this instance's cache (after a revocation or a creation), with any lookup of it in flight.</summary>
    public void Forget(string appId, string keyId) => cache.Forget((appId, keyId));

    public void Dispose() => cache.Dispose();

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
