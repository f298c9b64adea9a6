namespace Shroud.Core.Channels;

/// <summary>Verifies a webhook call with the verifier of the channel it is addressed to.</summary>
public sealed class ChannelGate
{
    private readonly Dictionary<ChannelKind, IChannelVerifier> verifiers;

    public ChannelGate(IEnumerable<IChannelVerifier> verifiers)
    {
        this.verifiers = verifiers.ToDictionary(v => v.Kind);
    }

    /// <summary>A channel kind with no verifier registered is refused: an unverifiable call is never let through.</summary>
    public ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken) =>
        verifiers.TryGetValue(channel.Kind, out var verifier)
            ? verifier.VerifyAsync(request, channel, cancellationToken)
            : ValueTask.FromResult(ChannelVerdict.Refused);
}
