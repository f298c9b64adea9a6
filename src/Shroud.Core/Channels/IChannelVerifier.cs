namespace Shroud.Core.Channels;

/// <summary>Checks one channel's webhook calls with that channel's own scheme, exactly as the channel documents it.</summary>
public interface IChannelVerifier
{
    ChannelKind Kind { get; }

    ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken);
}
