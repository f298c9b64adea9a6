using Shroud.Core.Caching;

namespace Shroud.UnitTests.Caching;

public sealed class LoadingCacheTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ManualClock clock = new();
    private int loads;

    private LoadingCache<string, string?> Cache(Func<string, Task<string?>>? load = null, long sizeLimit = 100, TimeSpan? unknownLifetime = null) => new(
        clock,
        sizeLimit,
        load ?? (key => { Interlocked.Increment(ref loads); return Task.FromResult<string?>(key == "unknown" ? null : $"{key}#{loads}"); }),
        value => new CacheLifetime(value is null ? unknownLifetime ?? Lifetime : Lifetime));

    [Fact]
    public async Task Callers_of_a_missing_key_share_one_load()
    {
        var release = new TaskCompletionSource<string?>();
        using var cache = Cache(_ => { Interlocked.Increment(ref loads); return release.Task; });

        var callers = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("k")).ToList();
        release.SetResult("value");

        Assert.All(await Task.WhenAll(callers), v => Assert.Equal("value", v));
        Assert.Equal(1, loads);
    }

    [Fact]
    public async Task A_value_is_kept_for_its_lifetime_on_the_given_clock()
    {
        using var cache = Cache();

        Assert.Equal("k#1", await cache.GetAsync("k"));
        clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal("k#1", await cache.GetAsync("k"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("k#2", await cache.GetAsync("k"));
    }

    [Fact]
    public async Task An_unknown_key_is_remembered_for_its_own_lifetime_and_forgotten_at_once_on_request()
    {
        using var cache = Cache(unknownLifetime: TimeSpan.FromSeconds(10));

        Assert.Null(await cache.GetAsync("unknown"));
        Assert.Null(await cache.GetAsync("unknown"));
        Assert.Equal(1, loads);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await cache.GetAsync("unknown"));
        Assert.Equal(2, loads);

        cache.Forget("unknown");
        Assert.Null(await cache.GetAsync("unknown"));
        Assert.Equal(3, loads);
    }

    [Fact]
    public async Task Forgetting_a_key_wins_over_a_load_in_flight()
    {
        var first = new TaskCompletionSource<string?>();
        var answers = new Queue<Task<string?>>([first.Task, Task.FromResult<string?>("after")]);
        using var cache = Cache(_ => answers.Dequeue());

        var inFlight = cache.GetAsync("k");
        cache.Forget("k");
        first.SetResult("before");

        Assert.Equal("before", await inFlight);
        Assert.Equal("after", await cache.GetAsync("k"));
    }

    [Fact]
    public async Task A_failed_load_is_not_kept()
    {
        var fail = true;
        using var cache = Cache(key => fail ? throw new InvalidOperationException("storage down") : Task.FromResult<string?>(key));

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.GetAsync("k"));
        fail = false;
        Assert.Equal("k", await cache.GetAsync("k"));
    }

    [Fact]
    public async Task A_reload_is_shared_by_the_callers_that_saw_the_same_value()
    {
        using var cache = Cache();
        var seen = cache.GetAsync("k");
        await seen;

        var reloads = await Task.WhenAll(cache.ReloadAsync("k", seen), cache.ReloadAsync("k", seen), cache.ReloadAsync("k", seen));

        Assert.All(reloads, v => Assert.Equal("k#2", v));
        Assert.Equal(2, loads);
    }

    [Fact]
    public async Task The_cache_holds_no_more_entries_than_its_size_limit()
    {
        using var cache = Cache(sizeLimit: 2);

        foreach (var key in new[] { "a", "b", "c", "a", "b", "c" })
        {
            await cache.GetAsync(key);
        }

        Assert.True(loads > 3, $"{loads} loads for 3 keys in a cache of 2");
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
