using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Shroud.Core.Crypto;

namespace Shroud.Core.Apps;

/// <summary>
/// Every app's unwrapped KEK versions, cached in memory. A snapshot is reloaded (one query) once it is older than
/// <see cref="ShroudOptions.CacheRefresh"/>, so a version made by another instance is used everywhere within that
/// period; a version this instance has not seen yet is fetched at once on a cache miss.
/// </summary>
public sealed class AppKeyRing(AppTable apps, RootKeyRing rootKeys, TimeProvider clock, IOptions<ShroudOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Snapshot>>> cache = new();

    /// <summary>The version new values are sealed with; <see cref="ShroudError.AppNotFound"/> when the app does not exist.</summary>
    public async Task<AppKek> GetActiveAsync(string appId, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(appId, reload: false, cancellationToken);
        return snapshot.Active ?? throw NotFound(appId);
    }

    /// <summary>A given version, or null once it has been destroyed.</summary>
    public async Task<AppKek?> GetAsync(string appId, int version, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(appId, reload: false, cancellationToken);
        if (!snapshot.Versions.ContainsKey(version) && version > snapshot.Versions.Keys.DefaultIfEmpty().Max())
        {
            snapshot = await SnapshotAsync(appId, reload: true, cancellationToken);
        }

        return snapshot.Versions.GetValueOrDefault(version);
    }

    public async Task EnsureExistsAsync(string appId, CancellationToken cancellationToken) =>
        await GetActiveAsync(appId, cancellationToken);

    /// <summary>Drops the app's snapshot so the next call reads storage (after a change made by this instance).</summary>
    public void Forget(string appId) => cache.TryRemove(appId, out _);

    private async Task<Snapshot> SnapshotAsync(string appId, bool reload, CancellationToken cancellationToken)
    {
        if (!AppIds.IsValid(appId))
        {
            throw NotFound(appId);
        }

        var now = clock.GetUtcNow();
        var current = cache.GetOrAdd(appId, Load);
        var snapshot = await current.Value.WaitAsync(cancellationToken);
        var fresh = snapshot.LoadedAt >= now || (snapshot.Active is not null && now - snapshot.LoadedAt < options.Value.CacheRefresh);
        if (!reload && fresh)
        {
            return snapshot;
        }

        // One reload shared by every caller that found the same stale snapshot.
        var next = Load(appId);
        var winner = cache.TryUpdate(appId, next, current) ? next : cache.GetOrAdd(appId, Load);
        return await winner.Value.WaitAsync(cancellationToken);
    }

    private Lazy<Task<Snapshot>> Load(string appId)
    {
        Lazy<Task<Snapshot>>? load = null;
        load = new(async () =>
    {
        try
        {
            var stored = await apps.ListKeksAsync(appId, CancellationToken.None);
            var versions = stored.ToDictionary(
                k => k.Version,
                k => new AppKek(appId, k.Version, rootKeys.Unwrap(appId, k.Version, k.RootKeyId, k.WrappedKey), k.CreatedAt, k.RetiredAt));
            var active = versions.Values.Where(k => k.RetiredAt is null).MaxBy(k => k.Version);
            return new Snapshot(versions, active, clock.GetUtcNow());
        }
        catch
        {
            cache.TryRemove(KeyValuePair.Create(appId, load!));
            throw;
        }
    });
        return load;
    }

    private static ShroudException NotFound(string appId) =>
        new(ShroudError.AppNotFound, $"App '{appId}' does not exist.");

    private sealed record Snapshot(IReadOnlyDictionary<int, AppKek> Versions, AppKek? Active, DateTimeOffset LoadedAt);
}
