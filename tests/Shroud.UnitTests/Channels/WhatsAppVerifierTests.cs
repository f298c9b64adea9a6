using Shroud.Core.Channels;
using Xunit.Abstractions;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

public sealed class WhatsAppVerifierTests(ITestOutputHelper output)
{
    // Meta publishes no signed example; this signature is HMAC-SHA256 of the body with the app secret as Meta's
    // "Webhooks: validating payloads" describes it, computed outside .NET with `openssl dgst -sha256 -hmac`.
    private const string AppSecret = "shroud-test-app-secret";
    private const string Body = """{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[]}]}""";
    private const string Signature = "sha256=336be6bcfedfe2f4cfd1d6501fa1bc99eb9cda14c8fe410427e653b4650d9b23";
    private const string VerifyToken = "shroud-verify-token";

    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly ChannelSettings WhatsApp = Channel(
        ChannelKind.WhatsApp, (ChannelSecretNames.WhatsAppAppSecret, AppSecret), (ChannelSecretNames.WhatsAppVerifyToken, VerifyToken));
    private readonly WhatsAppVerifier verifier = new();

    [Fact]
    public void Body_signed_with_the_app_secret_is_verified()
    {
        var verdict = verifier.Verify(Post(Body, Now, ("X-Hub-Signature-256", Signature)), WhatsApp);

        output.WriteLine($"X-Hub-Signature-256 {Signature}: {verdict.Kind}");
        Assert.Equal(ChannelVerdictKind.Verified, verdict.Kind);
    }

    [Theory]
    [InlineData("sha256=336be6bcfedfe2f4cfd1d6501fa1bc99eb9cda14c8fe410427e653b4650d9b24")]
    [InlineData("sha1=336be6bcfedfe2f4cfd1d6501fa1bc99eb9cda14c8fe410427e653b4650d9b23")]
    [InlineData("336be6bcfedfe2f4cfd1d6501fa1bc99eb9cda14c8fe410427e653b4650d9b23")]
    [InlineData("sha256=")]
    [InlineData("")]
    public void Wrong_signature_is_refused(string signature)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Hub-Signature-256", signature)), WhatsApp).Kind);
    }

    [Fact]
    public void Missing_signature_altered_body_or_other_secret_is_refused()
    {
        var otherSecret = Channel(ChannelKind.WhatsApp, (ChannelSecretNames.WhatsAppAppSecret, AppSecret + "x"));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now), WhatsApp).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Hub-Signature", Signature)), WhatsApp).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body.Replace("102290129340398", "102290129340399"), Now, ("X-Hub-Signature-256", Signature)), WhatsApp).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Hub-Signature-256", Signature)), otherSecret).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Make("PUT", Body, null, Now, ("X-Hub-Signature-256", Signature)), WhatsApp).Kind);
    }

    [Fact]
    public void Handshake_answers_the_challenge_when_mode_is_subscribe_and_token_matches()
    {
        var verdict = verifier.Verify(Get($"hub.mode=subscribe&hub.verify_token={VerifyToken}&hub.challenge=1158201444"), WhatsApp);

        output.WriteLine($"GET handshake: {verdict.Kind} '{verdict.HandshakeContent}'");
        Assert.Equal(ChannelVerdictKind.Handshake, verdict.Kind);
        Assert.Equal("1158201444", verdict.HandshakeContent);
    }

    [Theory]
    [InlineData("hub.mode=subscribe&hub.verify_token=shroud-verify-tokem&hub.challenge=1158201444")]
    [InlineData("hub.mode=subscribe&hub.verify_token=shroud-verify-token-&hub.challenge=1158201444")]
    [InlineData("hub.mode=subscribe&hub.challenge=1158201444")]
    [InlineData("hub.mode=unsubscribe&hub.verify_token=shroud-verify-token&hub.challenge=1158201444")]
    [InlineData("hub.verify_token=shroud-verify-token&hub.challenge=1158201444")]
    [InlineData("hub.mode=subscribe&hub.verify_token=shroud-verify-token")]
    [InlineData("hub.mode=subscribe&hub.verify_token=shroud-verify-token&hub.challenge=%3Cscript%3E")]
    [InlineData("hub.mode=subscribe&hub.verify_token=wrong&hub.verify_token=shroud-verify-token&hub.challenge=1158201444")]
    public void Handshake_with_wrong_token_mode_or_challenge_is_refused(string query)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Get(query), WhatsApp).Kind);
    }

    [Fact]
    public void Handshake_is_refused_when_the_channel_has_no_verify_token()
    {
        var noToken = Channel(ChannelKind.WhatsApp, (ChannelSecretNames.WhatsAppAppSecret, AppSecret));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Get("hub.mode=subscribe&hub.verify_token=&hub.challenge=1"), noToken).Kind);
    }

    private static Core.Channels.ChannelRequest Get(string query) => Make("GET", "", "?" + query, Now);
}
