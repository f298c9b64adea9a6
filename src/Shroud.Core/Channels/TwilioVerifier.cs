using System.Security.Cryptography;
using System.Text;
using Shroud.Core.Channels.Inbound;

namespace Shroud.Core.Channels;

/// <summary>
/// Twilio webhooks: <c>X-Twilio-Signature</c> is base64 HMAC-SHA1, keyed with the auth token, of the public URL Twilio
/// calls followed by every form parameter of the body as name then value, sorted by name (and by value for repeated
/// names). Only form-encoded POST bodies are taken, as Twilio sends its messaging and voice webhooks.
/// </summary>
/// <remarks>
/// Written here rather than with the Twilio package's <c>RequestValidator</c>: the algorithm is a few lines, Core stays
/// free of a REST SDK, the body is read from its raw bytes instead of a framework's parsed form, and the signature is
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>. The URL is the channel's configured
/// <see cref="ChannelSettings.PublicUrl"/> exactly as Twilio was given it, never one rebuilt from the request, whose
/// host and scheme a proxy in front of Shroud may have changed.
/// </remarks>
public sealed class TwilioVerifier : IChannelVerifier
{
    private const int SignatureSize = 20;

    public ChannelKind Kind => ChannelKind.Twilio;

    public ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Verify(request, channel));

    private static ChannelVerdict Verify(ChannelRequest request, ChannelSettings channel)
    {
        if (!request.IsPost || !FormPayload.IsForm(request.Header("Content-Type"))
            || channel.Secret(ChannelSecretNames.TwilioAuthToken) is not { } authToken
            || channel.PublicUrl is not { Length: > 0 } publicUrl
            || request.Header("X-Twilio-Signature") is not { } presented)
        {
            return ChannelVerdict.Refused;
        }

        Span<byte> signature = stackalloc byte[SignatureSize + 3];
        if (!Convert.TryFromBase64String(presented, signature, out var written) || written != SignatureSize)
        {
            return ChannelVerdict.Refused;
        }

        var expected = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(SignedText(publicUrl, request.Body.Span)));
        return CryptographicOperations.FixedTimeEquals(signature[..SignatureSize], expected) ? ChannelVerdict.Verified : ChannelVerdict.Refused;
    }

    /// <summary>The URL followed by each decoded parameter name and value, in ordinal order of name then value.</summary>
    internal static string SignedText(string url, ReadOnlySpan<byte> body)
    {
        var parameters = FormPayload.Pairs(body).ToList();
        parameters.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName : string.CompareOrdinal(a.Value, b.Value));
        var text = new StringBuilder(url);
        foreach (var (name, value) in parameters)
        {
            text.Append(name).Append(value);
        }

        return text.ToString();
    }
}
