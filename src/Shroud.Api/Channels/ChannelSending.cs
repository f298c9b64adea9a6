using System.Text.Json.Nodes;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// One message on its way to a channel's API: the channel, its opened secrets, the payload with values revealed and the
/// media files it carries, each still a sealed field in the payload until the sender has uploaded it. Disposing it
/// closes the files.
/// </summary>
public sealed record ChannelSend(Channel Channel, IReadOnlyDictionary<string, string> Secrets, JsonObject Payload, IReadOnlyList<OutboundFile> Files)
    : IAsyncDisposable
{
    /// <summary>A secret the channel was checked to hold before anything was revealed.</summary>
    public string Secret(string name) => Secrets[name];

    /// <summary>The channel's API base: <c>apiBaseUrl</c> when the channel sets one, the channel's real host otherwise; no trailing slash.</summary>
    public string BaseUrl(string defaultBaseUrl) => (Channel.ApiBaseUrl ?? defaultBaseUrl).TrimEnd('/');

    /// <summary>The one file of a channel that takes at most one per message; null without one.</summary>
    public OutboundFile? SingleFile(string channel) => Files.Count <= 1
        ? Files.FirstOrDefault()
        : throw Files[1].Misplaced($"{channel} takes one file per message.");

    public async ValueTask DisposeAsync()
    {
        foreach (var file in Files)
        {
            await file.DisposeAsync();
        }
    }
}

/// <summary>What the channel answered a send: its HTTP status and the id it gave the message (null when it named none).</summary>
public sealed record ChannelSent(int Status, string? MessageId);

/// <summary>Sends a message through one kind of channel with the channel's own API and credentials.</summary>
public interface IChannelSender
{
    ChannelKind Kind { get; }

    /// <summary>
    /// Calls the channel's API. A refusal by the channel is <see cref="Core.ShroudError.ChannelError"/>; an outage or
    /// timeout after the retries of <see cref="ChannelApi"/> is <see cref="Core.ShroudError.ChannelUnavailable"/> or
    /// <see cref="Core.ShroudError.ChannelTimeout"/>.
    /// </summary>
    Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken);
}

/// <summary>
/// The bounds of one call to a channel's API: each attempt may take <see cref="AttemptTimeout"/>; a timeout, a refused
/// connection, a 408, a 429 or a 5xx is retried up to <see cref="MaxRetries"/> times with exponential backoff from
/// <see cref="RetryDelay"/> (with jitter, or after the channel's <c>Retry-After</c>), never waiting more than
/// <see cref="MaxRetryDelay"/> (a channel asking for a longer pause is answered as unavailable rather than timed out),
/// and the whole call, retries included, ends after <see cref="TotalTimeout"/>. A call that carries a media file has the
/// longer bounds <see cref="UploadAttemptTimeout"/> and <see cref="UploadTotalTimeout"/>, with the same retries.
/// </summary>
/// <remarks>Not a setting: these are the stated bounds of the product; tests shorten them to keep timeouts quick.</remarks>
public sealed class ChannelSendOptions
{
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(4);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt to upload a media file may take, its bytes included (a download takes at most 40 s).</summary>
    public TimeSpan UploadAttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an upload may take, retries included.</summary>
    public TimeSpan UploadTotalTimeout { get; set; } = TimeSpan.FromSeconds(150);

    public int MaxRetries { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
