using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace Shroud.Core.Caching;

/// <summary>How long a loaded value is kept (zero: not at all) and whether it goes first when the cache is full.</summary>
public readonly record struct CacheLifetime(TimeSpan Duration, CacheItemPriority Priority = CacheItemPriority.Normal);

/// <summary>
/// A size-bounded <see cref="MemoryCache"/> whose entries are loads, expiring on the service's clock. Callers of a key
/// that is missing share one load (no stampede), a failed load is not kept, and <see cref="Forget"/> wins over a load
/// in flight: the entry it removes is the one that load completes into, so nothing read before an invalidation is
/// served after it.
/// </summary>
public sealed class LoadingCache<TKey, TValue> : IDisposable
    where TKey : notnull
{
    private readonly MemoryCache cache;
    private readonly TimeProvider clock;
    private readonly Func<TKey, Task<TValue>> load;
    private readonly Func<TValue, CacheLifetime> lifetime;
    private readonly Lock gate = new();

    /// <param name="sizeLimit">The most entries kept; a full cache drops expired, then low-priority, then older entries.</param>
    /// <param name="load">Reads one value; it runs once per key however many callers wait for it.</param>
    /// <param name="lifetime">How long a loaded value stays, counted from the start of its load.</param>
    public LoadingCache(TimeProvider clock, long sizeLimit, Func<TKey, Task<TValue>> load, Func<TValue, CacheLifetime> lifetime)
    {
        this.clock = clock;
        this.load = load;
        this.lifetime = lifetime;
        cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit, Clock = new ServiceClock(clock) });
    }

    /// <summary>The cached value, or the result of the one load of it in flight, or of a new load.</summary>
    public Task<TValue> GetAsync(TKey key)
    {
        Entry entry;
        lock (gate)
        {
            entry = cache.TryGetValue(key, out Entry? cached) && cached is not null ? cached : Start(key);
        }

        return entry.Value;
    }

    /// <summary>
    /// Loads the value again, unless the entry that returned <paramref name="seen"/> was already replaced: then every
    /// caller that found the same stale value shares one reload.
    /// </summary>
    public Task<TValue> ReloadAsync(TKey key, Task<TValue> seen)
    {
        Entry entry;
        lock (gate)
        {
            entry = cache.TryGetValue(key, out Entry? cached) && cached is not null && cached.Value != seen ? cached : Start(key);
        }

        return entry.Value;
    }

    /// <summary>Drops the key, and with it any load in flight: the next caller reads storage.</summary>
    public void Forget(TKey key)
    {
        lock (gate)
        {
            cache.Remove(key);
        }
    }

    public void Dispose() => cache.Dispose();

    /// <summary>Starts a load and caches it at once, so concurrent callers find it; called under the gate.</summary>
    private Entry Start(TKey key)
    {
        var startedAt = clock.GetUtcNow();
        var entry = new Entry();
        entry.Value = Run(key, entry, startedAt);
        cache.Set(key, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = DateTimeOffset.MaxValue });
        return entry;
    }

    private async Task<TValue> Run(TKey key, Entry entry, DateTimeOffset startedAt)
    {
        // Off the caller's stack, so that the cache is set before the load can finish and look for its entry.
        await Task.Yield();
        TValue value;
        try
        {
            value = await load(key);
        }
        catch
        {
            Settle(key, entry, null);
            throw;
        }

        var kept = lifetime(value);
        Settle(key, entry, kept.Duration > TimeSpan.Zero ? new MemoryCacheEntryOptions
        {
            Size = 1,
            Priority = kept.Priority,
            AbsoluteExpiration = startedAt + kept.Duration,
        } : null);
        return value;
    }

    /// <summary>Gives the finished load its expiry, or removes it, but only while it is still the cached entry.</summary>
    private void Settle(TKey key, Entry entry, MemoryCacheEntryOptions? options)
    {
        lock (gate)
        {
            if (!cache.TryGetValue(key, out Entry? cached) || cached != entry)
            {
                return;
            }

            if (options is null)
            {
                cache.Remove(key);
            }
            else
            {
                cache.Set(key, entry, options);
            }
        }
    }

    private sealed class Entry
    {
        public Task<TValue> Value { get; set; } = null!;
    }

    /// <summary>The service's clock for expiry, so that settings such as a test's manual clock apply to the cache too.</summary>
    private sealed class ServiceClock(TimeProvider clock) : ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }
}
