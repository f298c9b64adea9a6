using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Shroud.Core.Caching;
using Shroud.Core.Configurations;
using Shroud.Core.Crypto;

namespace Shroud.Core.Apps;

/// <summary>What the maintenance of one app's KEKs did.</summary>
public sealed record KekMaintenance(int Rotated, int Destroyed, int Rewrapped);

/// <summary>An app's settings and configurations (by id) as cached for request handling.</summary>
public sealed record AppView(AppSettings Settings, IReadOnlyDictionary<string, EncryptionConfiguration> Configurations);

/// <summary>
/// Every app's settings, configurations and KEK versions, cached in memory (KEKs unwrapped). KEKs are rotated when the
/// active one has served its period, destroyed once nothing they wrap can still be alive, and re-wrapped when the
/// active root key changes. A snapshot is reloaded (one query) once it is older than
/// <see cref="ShroudOptions.CacheRefresh"/>, so a change made by another instance is used everywhere within that
/// period (at once on the instance that made it); a KEK version not seen yet is fetched at once. An app that does not
/// exist is not remembered.
/// </summary>
public sealed class AppDirectory(IAppStore apps, RootKeyRing rootKeys, TimeProvider clock, IOptions<ShroudOptions> options) : IDisposable
{
    private const int MaxRotationAttempts = 3;

    /// <summary>The most apps one instance keeps; a full cache drops the oldest snapshots first.</summary>
    public const int MaxCachedApps = 10_000;

    private readonly LoadingCache<string, Snapshot> cache = new(
        clock,
        MaxCachedApps,
        appId => LoadAsync(apps, rootKeys, appId),
        snapshot => new CacheLifetime(snapshot.Active is null ? TimeSpan.Zero : options.Value.CacheRefresh));

    /// <summary>
    /// The version new values are sealed with, rotating first when it has served its period or was made under a lower
    /// <see cref="ShroudOptions.MaxTtl"/> than this instance's (two instances doing so at once make one new version), so
    /// no version ever seals a value that outlives its recorded maximum; <see cref="ShroudError.AppNotFound"/> when the
    /// app does not exist.
    /// </summary>
    public async Task<AppKek> GetActiveAsync(string appId, CancellationToken cancellationToken)
    {
        var active = (await SnapshotAsync(appId, cancellationToken)).Active ?? throw ShroudException.AppNotFound(appId);
        for (var attempt = 0; IsDue(active.CreatedAt, active.MaxTtl); attempt++)
        {
            // Only an instance with a lower maximum rotating at the same moment, twice over, gets here.
            if (attempt == MaxRotationAttempts)
            {
                throw new ShroudException(ShroudError.StorageUnavailable, "The app's KEK is being rotated by another instance; retry.");
            }

            // A snapshot loaded from now on holds the version this rotation or another instance's made.
            await RotateAsync(appId, onlyIfDue: true, cancellationToken);
            Forget(appId);
            active = (await SnapshotAsync(appId, cancellationToken)).Active ?? throw ShroudException.AppNotFound(appId);
        }

        return active;
    }

    /// <summary>A given version, or null when it does not exist (any more).</summary>
    public async Task<AppKek?> GetAsync(string appId, int version, CancellationToken cancellationToken)
    {
        var seen = CachedSnapshot(appId);
        var snapshot = await seen.WaitAsync(cancellationToken);
        if (!snapshot.Versions.ContainsKey(version) && version > snapshot.Versions.Keys.DefaultIfEmpty().Max())
        {
            // One reload shared by every caller that found the same snapshot without this version.
            snapshot = await cache.ReloadAsync(appId, seen).WaitAsync(cancellationToken);
        }

        return snapshot.Versions.GetValueOrDefault(version);
    }

    /// <summary>The app's settings and configurations; <see cref="ShroudError.AppNotFound"/> when the app does not exist.</summary>
    public async Task<AppView> GetAsync(string appId, CancellationToken cancellationToken) =>
        (await SnapshotAsync(appId, cancellationToken)).View ?? throw ShroudException.AppNotFound(appId);

    /// <summary>
    /// The app's settings and configurations, read again from storage when one of <paramref name="configurationIds"/>
    /// is missing from the snapshot (created on another instance since it was loaded), as for an unknown KEK version.
    /// An id that is still missing afterwards names a configuration that is gone; deletes refuse configurations in use,
    /// so that costs one read per call only after a delete raced a conversation's start.
    /// </summary>
    public async Task<AppView> GetAsync(string appId, IReadOnlyCollection<string> configurationIds, CancellationToken cancellationToken)
    {
        var seen = CachedSnapshot(appId);
        var view = (await seen.WaitAsync(cancellationToken)).View ?? throw ShroudException.AppNotFound(appId);
        return configurationIds.All(view.Configurations.ContainsKey)
            ? view
            : (await cache.ReloadAsync(appId, seen).WaitAsync(cancellationToken)).View ?? throw ShroudException.AppNotFound(appId);
    }

    public async Task EnsureExistsAsync(string appId, CancellationToken cancellationToken) =>
        await GetAsync(appId, cancellationToken);

    /// <summary>The stored versions, newest first, read from storage (never key material).</summary>
    public async Task<IReadOnlyList<StoredKek>> ListAsync(string appId, CancellationToken cancellationToken)
    {
        var stored = AppIds.IsValid(appId) ? await apps.ListKeksAsync(appId, cancellationToken) : [];
        return stored.Count == 0 ? throw ShroudException.AppNotFound(appId) : stored.OrderByDescending(k => k.Version).ToList();
    }

    /// <summary>
    /// Retires the active version and makes a new one active. With <paramref name="onlyIfDue"/>, only when the active
    /// version has served its period. False when nothing was due or another instance rotated at the same moment.
    /// </summary>
    public async Task<bool> RotateAsync(string appId, bool onlyIfDue, CancellationToken cancellationToken)
    {
        var stored = await ListAsync(appId, cancellationToken);
        var current = stored.FirstOrDefault(k => k.RetiredAt is null) ?? throw ShroudException.AppNotFound(appId);
        if (onlyIfDue && !IsDue(current.CreatedAt, current.MaxTtl))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var next = StoredKek.Create(rootKeys, appId, stored[0].Version + 1, now, options.Value.MaxTtl);
        var retiring = current with { RetiredAt = now, DestroyAt = now + Retention(current) };
        var rotated = await apps.RotateAsync(retiring, next, cancellationToken);
        Forget(appId);
        return rotated;
    }

    /// <summary>Rotates when due, destroys versions past their retention and re-wraps versions under the active root key.</summary>
    public async Task<KekMaintenance> MaintainAsync(string appId, CancellationToken cancellationToken)
    {
        var rotated = await RotateAsync(appId, onlyIfDue: true, cancellationToken) ? 1 : 0;
        var now = clock.GetUtcNow();
        int destroyed = 0, rewrapped = 0;
        foreach (var kek in await apps.ListKeksAsync(appId, cancellationToken))
        {
            if (kek.DestroyAt <= now)
            {
                destroyed += await apps.DestroyAsync(kek, cancellationToken) ? 1 : 0;
            }
            else if (kek.RootKeyId != rootKeys.ActiveKeyId)
            {
                var key = rootKeys.Unwrap(appId, kek.Version, kek.RootKeyId, kek.WrappedKey);
                StoredKek moved;
                try
                {
                    moved = kek with { WrappedKey = rootKeys.Wrap(appId, kek.Version, key), RootKeyId = rootKeys.ActiveKeyId };
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }

                rewrapped += await apps.ReplaceWrappingAsync(moved, cancellationToken) ? 1 : 0;
            }
        }

        if (rotated + destroyed > 0)
        {
            Forget(appId);
        }

        return new KekMaintenance(rotated, destroyed, rewrapped);
    }

    /// <summary>Drops the app's snapshot so the next call reads storage.</summary>
    public void Forget(string appId) => cache.Forget(appId);

    public void Dispose() => cache.Dispose();

    private bool IsDue(DateTimeOffset createdAt, TimeSpan? maxTtl) =>
        clock.GetUtcNow() >= createdAt + options.Value.KekActivePeriod || maxTtl < options.Value.MaxTtl;

    /// <summary>
    /// How long a retiring version is kept: its recorded maximum TTL (which it never sealed beyond) or this instance's,
    /// whichever is longer, plus <see cref="ShroudOptions.CacheRefresh"/>. Lowering <see cref="ShroudOptions.MaxTtl"/>
    /// therefore never destroys a version while a value it sealed under the old maximum is alive.
    /// </summary>
    private TimeSpan Retention(StoredKek kek) =>
        (kek.MaxTtl is { } recorded && recorded > options.Value.MaxTtl ? recorded : options.Value.MaxTtl) + options.Value.CacheRefresh;

    private async Task<Snapshot> SnapshotAsync(string appId, CancellationToken cancellationToken) =>
        await CachedSnapshot(appId).WaitAsync(cancellationToken);

    private Task<Snapshot> CachedSnapshot(string appId) =>
        AppIds.IsValid(appId) ? cache.GetAsync(appId) : throw ShroudException.AppNotFound(appId);

    private static async Task<Snapshot> LoadAsync(IAppStore apps, RootKeyRing rootKeys, string appId)
    {
        var app = await apps.LoadAsync(appId, CancellationToken.None);
        var versions = (app?.Keks ?? []).ToDictionary(
            k => k.Version,
            k => new AppKek(appId, k.Version, rootKeys.Unwrap(appId, k.Version, k.RootKeyId, k.WrappedKey), k.CreatedAt, k.RetiredAt, k.MaxTtl));
        var active = versions.Values.Where(k => k.RetiredAt is null).MaxBy(k => k.Version);
        var view = app is null ? null : new AppView(app.Settings, app.Configurations.ToDictionary(c => c.Id));
        return new Snapshot(view, versions, active);
    }

    private sealed record Snapshot(AppView? View, IReadOnlyDictionary<int, AppKek> Versions, AppKek? Active);
}
