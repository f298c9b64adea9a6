namespace Shroud.Core.Channels;

public enum ChannelVerdictKind
{
    /// <summary>The channel signed the request: it may be sealed, stored and forwarded.</summary>
    Verified,

    /// <summary>A verification handshake: answer <see cref="ChannelVerdict.HandshakeContent"/>, store and forward nothing.</summary>
    Handshake,

    /// <summary>Missing, wrong or stale credentials: answer 401, store and forward nothing.</summary>
    Refused,
}

/// <summary>The outcome of verifying one webhook call.</summary>
public sealed class ChannelVerdict
{
    /// <summary>
    /// The one refusal for every channel and every cause, so that a caller probing signatures, tokens or clocks learns
    /// nothing about which check failed.
    /// </summary>
    public const string RefusalDetail = "The request does not carry the channel's valid signature.";

    public static readonly ChannelVerdict Verified = new(ChannelVerdictKind.Verified, null, null);

    public static readonly ChannelVerdict Refused = new(ChannelVerdictKind.Refused, null, null);

    private ChannelVerdict(ChannelVerdictKind kind, string? handshakeContent, string? handshakeContentType)
    {
        Kind = kind;
        HandshakeContent = handshakeContent;
        HandshakeContentType = handshakeContentType;
    }

    public ChannelVerdictKind Kind { get; }

    /// <summary>The body a handshake answers with 200 (the channel's challenge), null otherwise.</summary>
    public string? HandshakeContent { get; }

    public string? HandshakeContentType { get; }

    /// <summary>A handshake answering the channel's challenge as plain text.</summary>
    public static ChannelVerdict Handshake(string challenge) => new(ChannelVerdictKind.Handshake, challenge, "text/plain; charset=utf-8");

    /// <summary>The error a refused call answers with: 401 <c>unauthorized</c> with <see cref="RefusalDetail"/>.</summary>
    public static ShroudException Refusal() => new(ShroudError.Unauthorized, RefusalDetail);
}
