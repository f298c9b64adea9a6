using Shroud.Core.Channels;
using Xunit.Abstractions;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

public sealed class TwilioVerifierTests(ITestOutputHelper output)
{
    // Twilio's published example ("Webhooks security"): auth token, URL, POST parameters and expected signature.
    private const string AuthToken = "12345";
    private const string PublicUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string Body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    private const string Signature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly ChannelSettings Twilio =
        Channel(ChannelKind.Twilio, (ChannelSecretNames.TwilioAuthToken, AuthToken)) with { PublicUrl = PublicUrl };
    private readonly TwilioVerifier verifier = new();

    [Fact]
    public void Twilios_published_example_is_verified()
    {
        var verdict = verifier.Verify(Request(Body), Twilio);

        output.WriteLine($"Twilio published example {Signature}: {verdict.Kind}");
        Assert.Equal(ChannelVerdictKind.Verified, verdict.Kind);
    }

    [Fact]
    public void Signed_text_is_the_url_then_sorted_decoded_names_and_values()
    {
        Assert.Equal(
            "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212",
            TwilioVerifier.SignedText(PublicUrl, "To=%2B18005551212&Digits=1234&From=%2B12349013030&CallSid=CA1234567890ABCDE&Caller=%2B12349013030"u8));
        // Ordinal order, as Twilio's libraries sort: upper case before lower case; repeated names by value.
        Assert.Equal("https://x/Bodyhi thereab1b2", TwilioVerifier.SignedText("https://x/", "b=2&Body=hi+there&b=1&a"u8));
    }

    [Fact]
    public void Parameters_in_another_order_are_verified()
    {
        var shuffled = "To=%2B18005551212&Digits=1234&From=%2B12349013030&CallSid=CA1234567890ABCDE&Caller=%2B12349013030";

        Assert.Equal(ChannelVerdictKind.Verified, verifier.Verify(Request(shuffled), Twilio).Kind);
    }

    [Theory]
    [InlineData("1/KCTR6DLpKmkAf8muzZqo1nDgQ=")]
    [InlineData("0/KCTR6DLpKmkAf8muzZqo1nDgA=")]
    [InlineData("0/KCTR6DLpKmkAf8muzZqo1nDg")]
    [InlineData("0/KCTR6DLpKmkAf8muzZqo1nDgQ=AAAA")]
    [InlineData("not base64!")]
    [InlineData("")]
    public void Wrong_signature_is_refused(string signature)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(Body, signature), Twilio).Kind);
    }

    [Fact]
    public void Changed_parameter_url_or_token_is_refused()
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(Body.Replace("Digits=1234", "Digits=1235")), Twilio).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(Body + "&Extra=1"), Twilio).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(Body), Twilio with { PublicUrl = "https://mycompany.com/myapp.php?foo=1&bar=3" }).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Request(Body), Twilio with { PublicUrl = null }).Kind);
        Assert.Equal(
            ChannelVerdictKind.Refused,
            verifier.Verify(Request(Body), Channel(ChannelKind.Twilio, (ChannelSecretNames.TwilioAuthToken, "12346")) with { PublicUrl = PublicUrl }).Kind);
    }

    [Fact]
    public void Missing_signature_non_form_body_or_another_method_is_refused()
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("Content-Type", Form)), Twilio).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("Content-Type", "application/json"), ("X-Twilio-Signature", Signature)), Twilio).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Twilio-Signature", Signature)), Twilio).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Make("PUT", Body, null, Now, ("Content-Type", Form), ("X-Twilio-Signature", Signature)), Twilio).Kind);
    }

    [Fact]
    public void Form_content_type_with_charset_is_taken()
    {
        var request = Post(Body, Now, ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("X-Twilio-Signature", Signature));

        Assert.Equal(ChannelVerdictKind.Verified, verifier.Verify(request, Twilio).Kind);
    }

    private static Core.Channels.ChannelRequest Request(string body, string signature = Signature) =>
        Post(body, Now, ("Content-Type", Form), ("X-Twilio-Signature", signature));
}
