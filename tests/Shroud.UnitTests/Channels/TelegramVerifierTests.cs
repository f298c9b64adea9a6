using Shroud.Core.Channels;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

public sealed class TelegramVerifierTests
{
    // Telegram's setWebhook secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -, sent back verbatim in the header.
    private const string SecretToken = "Shroud_test-Secret_Token_0123456789";
    private const string Body = """{"update_id":10000,"message":{"message_id":1,"date":1441645532,"chat":{"id":1111111,"type":"private"},"text":"hi"}}""";

    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly ChannelSettings Telegram = Channel(ChannelKind.Telegram, (ChannelSecretNames.TelegramSecretToken, SecretToken));
    private readonly TelegramVerifier verifier = new();

    [Fact]
    public void Header_equal_to_the_secret_token_is_verified()
    {
        Assert.Equal(ChannelVerdictKind.Verified, verifier.Verify(Post(Body, Now, ("X-Telegram-Bot-Api-Secret-Token", SecretToken)), Telegram).Kind);
    }

    [Theory]
    [InlineData("shroud_test-Secret_Token_0123456789")]
    [InlineData("Shroud_test-Secret_Token_012345678")]
    [InlineData("Shroud_test-Secret_Token_01234567890")]
    [InlineData(" Shroud_test-Secret_Token_0123456789")]
    [InlineData("")]
    public void Any_other_header_value_is_refused(string presented)
    {
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Telegram-Bot-Api-Secret-Token", presented)), Telegram).Kind);
    }

    [Fact]
    public void Missing_header_missing_secret_or_another_method_is_refused()
    {
        var noSecret = Channel(ChannelKind.Telegram, (ChannelSecretNames.TelegramSecretToken, ""));

        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now), Telegram).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Post(Body, Now, ("X-Telegram-Bot-Api-Secret-Token", "")), noSecret).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, verifier.Verify(Make("GET", "", null, Now, ("X-Telegram-Bot-Api-Secret-Token", SecretToken)), Telegram).Kind);
    }
}
