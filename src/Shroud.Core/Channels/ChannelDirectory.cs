using Microsoft.Extensions.Options;
using Shroud.Core.Caching;

namespace Shroud.Core.Channels;

/// <summary>
/// Channels as the outgoing edge reads them: kept for <see cref="ShroudOptions.CacheRefresh"/>, so that a send costs no
/// storage read for its channel. A change made through one instance takes effect there at once (the channel routes
/// call <see cref="Forget"/>) and on the other instances within that period, as for API keys; a channel that does not
/// exist is not remembered.
/// </summary>
public sealed class ChannelDirectory : IDisposable
{
    /// <summary>The most channels one instance keeps.</summary>
    public const int MaxCachedChannels = 10_000;

    private readonly LoadingCache<(string AppId, string ChannelId), Channel?> cache;

    public ChannelDirectory(IChannelStore store, TimeProvider clock, IOptions<ShroudOptions> options)
    {
        cache = new(
            clock,
            MaxCachedChannels,
            key => store.GetAsync(key.AppId, key.ChannelId, CancellationToken.None),
            found => new CacheLifetime(found is null ? TimeSpan.Zero : options.Value.CacheRefresh));
    }

    public Task<Channel?> GetAsync(string appId, string channelId, CancellationToken cancellationToken) =>
        cache.GetAsync((appId, channelId)).WaitAsync(cancellationToken);

    /// <summary>Drops a channel from this instance's cache (after a change), with any read of it in flight.</summary>
    public void Forget(string appId, string channelId) => cache.Forget((appId, channelId));

    public void Dispose() => cache.Dispose();
}
