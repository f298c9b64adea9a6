using System.Security.Cryptography;
using System.Text;

namespace Shroud.Core.Channels;

/// <summary>
/// WhatsApp Cloud API webhooks: a POST carries <c>X-Hub-Signature-256: sha256=</c> hex HMAC-SHA256 of the raw body with
/// the app secret; a GET on the same path is Meta's verification handshake, answered with <c>hub.challenge</c> only when
/// <c>hub.mode</c> is <c>subscribe</c> and <c>hub.verify_token</c> is the channel's verify token.
/// </summary>
public sealed class WhatsAppVerifier : IChannelVerifier
{
    public ChannelKind Kind => ChannelKind.WhatsApp;

    public ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.IsGet ? Handshake(request, channel) : request.IsPost ? Event(request, channel) : ChannelVerdict.Refused);

    private static ChannelVerdict Handshake(ChannelRequest request, ChannelSettings channel)
    {
        var challenge = request.QueryValue("hub.challenge");
        return request.QueryValue("hub.mode") == "subscribe"
            && ChannelSignatures.SecretEquals(request.QueryValue("hub.verify_token"), channel.Secret(ChannelSecretNames.WhatsAppVerifyToken))
            && ChannelSignatures.IsEchoableChallenge(challenge)
                ? ChannelVerdict.Handshake(challenge!)
                : ChannelVerdict.Refused;
    }

    private static ChannelVerdict Event(ChannelRequest request, ChannelSettings channel)
    {
        if (channel.Secret(ChannelSecretNames.WhatsAppAppSecret) is not { } secret)
        {
            return ChannelVerdict.Refused;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), request.Body.Span);
        return ChannelSignatures.HexMatches(request.Header("X-Hub-Signature-256"), "sha256=", expected)
            ? ChannelVerdict.Verified
            : ChannelVerdict.Refused;
    }
}
