using Shroud.Core.Channels;
using Xunit.Abstractions;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

public sealed class SlackVerifierTests(ITestOutputHelper output)
{
    // Slack's published example ("Verifying requests from Slack"): signing secret, timestamp, slash-command body and
    // the signature Slack documents for them.
    private const string ExampleSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string ExampleTimestamp = "1531420618";
    private const string ExampleBody =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
        + "&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com"
        + "%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string ExampleSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    // Slack's url_verification event, signed with the example secret at the example time (HMAC computed with openssl).
    private const string UrlVerificationBody =
        """{"type":"url_verification","token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}""";
    private const string UrlVerificationSignature = "v0=a4b0256815067c834ff032516f500d487357dcac97850c6ddcd694725fd33eb1";

    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(ExampleTimestamp));
    private static readonly ChannelSettings Slack = Channel(ChannelKind.Slack, (ChannelSecretNames.SlackSigningSecret, ExampleSecret));
    private readonly SlackVerifier verifier = new();

    [Fact]
    public void Slacks_published_example_is_verified()
    {
        var verdict = verifier.Verify(Request(ExampleBody, SignedAt.AddSeconds(30)), Slack);

        output.WriteLine($"Slack published example {ExampleSignature} at {ExampleTimestamp}+30s: {verdict.Kind}");
        Assert.Equal(ChannelVerdictKind.Verified, verdict.Kind);
    }

    [Fact]
    public void Url_verification_is_answered_with_its_challenge_once_signed()
    {
        var verdict = verifier.Verify(Request(UrlVerificationBody, SignedAt, signature: UrlVerificationSignature), Slack);

        output.WriteLine($"url_verification: {verdict.Kind} '{verdict.HandshakeContent}' ({verdict.HandshakeContentType})");
        Assert.Equal(ChannelVerdictKind.Handshake, verdict.Kind);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", verdict.HandshakeContent);
        Assert.StartsWith("text/plain", verdict.HandshakeContentType);
    }

    [Fact]
    public void Unsigned_url_verification_is_refused()
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(UrlVerificationBody, SignedAt, signature: ExampleSignature), Slack).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(UrlVerificationBody, SignedAt, signature: null), Slack).Kind);
    }

    [Theory]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    [InlineData(-301, false)]
    [InlineData(86_400, false)]
    public void Timestamp_must_be_within_five_minutes_of_now_either_way(int nowMinusSignedSeconds, bool verified)
    {
        var verdict = verifier.Verify(Request(ExampleBody, SignedAt.AddSeconds(nowMinusSignedSeconds)), Slack);

        output.WriteLine($"now - timestamp = {nowMinusSignedSeconds}s: {verdict.Kind}");
        Assert.Equal(verified ? ChannelVerdictKind.Verified : ChannelVerdictKind.Refused, verdict.Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b504")]
    [InlineData("v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    [InlineData("a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    [InlineData("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5")]
    [InlineData("v0=zz114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    [InlineData("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503,v0=00")]
    public void Missing_or_wrong_signature_is_refused(string? signature)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody, SignedAt, signature: signature), Slack).Kind);
    }

    [Fact]
    public void Any_change_to_body_timestamp_or_secret_is_refused()
    {
        var otherSecret = Channel(ChannelKind.Slack, (ChannelSecretNames.SlackSigningSecret, ExampleSecret + "0"));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody + " ", SignedAt), Slack).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody, SignedAt, timestamp: "1531420619"), Slack).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody, SignedAt), otherSecret).Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("+1531420618")]
    [InlineData("1531420618.0")]
    [InlineData(" 1531420618")]
    [InlineData("99999999999999999999999")]
    public void Missing_or_malformed_timestamp_is_refused(string? timestamp)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody, SignedAt, timestamp: timestamp), Slack).Kind);
    }

    [Fact]
    public void Channel_without_signing_secret_or_call_with_another_method_is_refused()
    {
        var noSecret = Channel(ChannelKind.Slack);
        var get = Make("GET", ExampleBody, null, SignedAt, ("X-Slack-Signature", ExampleSignature), ("X-Slack-Request-Timestamp", ExampleTimestamp));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(ExampleBody, SignedAt), noSecret).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(get, Slack).Kind);
    }

    [Fact]
    public void Header_names_are_matched_in_any_case()
    {
        var request = Post(ExampleBody, SignedAt, ("x-slack-signature", ExampleSignature), ("x-slack-request-timestamp", ExampleTimestamp));

        Assert.Equal(ChannelVerdictKind.Verified, verifier.Verify(request, Slack).Kind);
    }

    [Fact]
    public void Signature_header_sent_twice_is_refused()
    {
        var request = Post(
            ExampleBody, SignedAt, ("X-Slack-Signature", ExampleSignature), ("x-slack-signature", ExampleSignature), ("X-Slack-Request-Timestamp", ExampleTimestamp));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(request, Slack).Kind);
    }

    private static Core.Channels.ChannelRequest Request(string body, DateTimeOffset now, string? signature = ExampleSignature, string? timestamp = ExampleTimestamp)
    {
        var headers = new List<(string, string)>();
        if (signature is not null)
        {
            headers.Add(("X-Slack-Signature", signature));
        }

        if (timestamp is not null)
        {
            headers.Add(("X-Slack-Request-Timestamp", timestamp));
        }

        return Post(body, now, [.. headers]);
    }
}
