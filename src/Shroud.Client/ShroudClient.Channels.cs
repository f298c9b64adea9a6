namespace Shroud.Client;

public sealed partial class ShroudClient
{
    /// <summary>The app's channels (permission <c>configure</c>); read one alone for its ETag.</summary>
    public async Task<IReadOnlyList<Channel>> ListChannelsAsync(CancellationToken cancellationToken = default) =>
        (await GetAsync<ItemList<Channel>>(AppPath("/channels"), cancellationToken)).Items;

    public async Task<Channel> GetChannelAsync(string channelId, CancellationToken cancellationToken = default)
    {
        var (channel, etag) = await SendJsonAsync<Channel>(Request(HttpMethod.Get, ChannelPath(channelId), null, safeToRepeat: true), cancellationToken);
        return channel with { ETag = etag };
    }

    /// <summary>Creates a channel; the forward secret Shroud signs its deliveries with is answered this once.</summary>
    public async Task<CreatedChannel> CreateChannelAsync(ChannelSettings settings, CancellationToken cancellationToken = default)
    {
        var (channel, etag) = await SendJsonAsync<CreatedChannel>(
            Request(HttpMethod.Post, AppPath("/channels"), Json(settings), safeToRepeat: false), cancellationToken);
        return channel with { ETag = etag };
    }

    /// <summary>Replaces a channel, with every secret of its type; with <paramref name="ifMatch"/>, only if it is still that version.</summary>
    public async Task<Channel> ReplaceChannelAsync(string channelId, ChannelSettings settings, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        var (channel, etag) = await SendJsonAsync<Channel>(
            Request(HttpMethod.Put, ChannelPath(channelId), Json(settings), safeToRepeat: false, ifMatch), cancellationToken);
        return channel with { ETag = etag };
    }

    public Task DeleteChannelAsync(string channelId, string? ifMatch = null, CancellationToken cancellationToken = default) =>
        SendEmptyAsync(Request(HttpMethod.Delete, ChannelPath(channelId), null, safeToRepeat: false, ifMatch), cancellationToken);

    private string ChannelPath(string channelId) => AppPath("/channels/" + Uri.EscapeDataString(channelId));
}
