using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Shroud.Core.Caching;

namespace Shroud.Core.Channels;

/// <summary>
/// Channels as webhooks and sends read them, cached per instance: neither costs a channel read while its channel is
/// cached. A change made on this instance is seen at once (<see cref="Forget"/>); one made on another instance within
/// <see cref="ShroudOptions.CacheRefresh"/>, as for API keys. An unknown channel is remembered briefly, so calls to
/// made-up ids cost a read each <see cref="UnknownChannelLifetime"/> at most.
/// </summary>
public sealed class ChannelDirectory : IDisposable
{
    public const int MaxCachedChannels = 10_000;

    public static readonly TimeSpan UnknownChannelLifetime = TimeSpan.FromSeconds(10);

    private readonly LoadingCache<(string AppId, string ChannelId), Channel?> cache;

    public ChannelDirectory(IChannelStore store, IOptions<ShroudOptions> options, TimeProvider clock)
    {
        cache = new(
            clock,
            MaxCachedChannels,
            id => store.GetAsync(id.AppId, id.ChannelId, CancellationToken.None),
            found => found is null
                ? new CacheLifetime(options.Value.CacheRefresh < UnknownChannelLifetime ? options.Value.CacheRefresh : UnknownChannelLifetime, CacheItemPriority.Low)
                : new CacheLifetime(options.Value.CacheRefresh));
    }

    public Task<Channel?> GetAsync(string appId, string channelId, CancellationToken cancellationToken) =>
        cache.GetAsync((appId, channelId)).WaitAsync(cancellationToken);

    /// <summary>Drops a channel this instance changed or deleted.</summary>
    public void Forget(string appId, string channelId) => cache.Forget((appId, channelId));

    public void Dispose() => cache.Dispose();
}
