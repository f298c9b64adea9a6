using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Shroud.Core.Channels;

/// <summary>
/// Slack's signed requests: <c>X-Slack-Signature: v0=</c> hex HMAC-SHA256 of <c>v0:{timestamp}:{raw body}</c> with the
/// signing secret, and <c>X-Slack-Request-Timestamp</c> within <see cref="MaxClockDifference"/> of now, in the past or
/// the future (a future one is as replayable later as a past one is now). A signed <c>url_verification</c> event is
/// answered with its challenge.
/// </summary>
public sealed class SlackVerifier : IChannelVerifier
{
    public static readonly TimeSpan MaxClockDifference = TimeSpan.FromMinutes(5);

    private const string Version = "v0";

    public ChannelKind Kind => ChannelKind.Slack;

    public ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Verify(request, channel));

    private static ChannelVerdict Verify(ChannelRequest request, ChannelSettings channel)
    {
        var secret = channel.Secret(ChannelSecretNames.SlackSigningSecret);
        var timestamp = request.Header("X-Slack-Request-Timestamp");
        if (!request.IsPost || secret is null || !IsFresh(timestamp, request.Now))
        {
            return ChannelVerdict.Refused;
        }

        var prefix = Encoding.UTF8.GetBytes($"{Version}:{timestamp}:");
        var signed = new byte[prefix.Length + request.Body.Length];
        prefix.CopyTo(signed, 0);
        request.Body.Span.CopyTo(signed.AsSpan(prefix.Length));
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);

        if (!ChannelSignatures.HexMatches(request.Header("X-Slack-Signature"), Version + "=", expected))
        {
            return ChannelVerdict.Refused;
        }

        return UrlVerificationChallenge(request.Body.Span) is { } challenge ? ChannelVerdict.Handshake(challenge) : ChannelVerdict.Verified;
    }

    /// <summary>Whole seconds since the epoch, digits only (the text is signed as sent), within the window around now.</summary>
    private static bool IsFresh(string? timestamp, DateTimeOffset now)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var nowSeconds = now.ToUnixTimeSeconds();
        var window = (long)MaxClockDifference.TotalSeconds;
        return seconds >= nowSeconds - window && seconds <= nowSeconds + window;
    }

    /// <summary>
    /// The challenge of a <c>url_verification</c> event (a JSON object), or null for every other body: slash commands
    /// and interactions are form-encoded and are ordinary verified calls.
    /// </summary>
    private static string? UrlVerificationChallenge(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("url_verification")
                && root.TryGetProperty("challenge", out var challenge) && challenge.ValueKind == JsonValueKind.String
                && ChannelSignatures.IsEchoableChallenge(challenge.GetString()))
            {
                return challenge.GetString();
            }
        }
        catch (JsonException)
        {
            // Not JSON: a form-encoded Slack call, verified like any other.
        }

        return null;
    }
}
