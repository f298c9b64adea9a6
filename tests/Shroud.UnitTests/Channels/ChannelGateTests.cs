using Shroud.Core;
using Shroud.Core.Channels;
using static Shroud.UnitTests.Channels.ChannelRequests;

namespace Shroud.UnitTests.Channels;

public sealed class ChannelGateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T00:00:00Z");

    [Fact]
    public async Task Each_call_is_checked_by_its_own_channels_scheme()
    {
        var gate = new ChannelGate([new SlackVerifier(), new TelegramVerifier()]);
        var telegramCall = Post("{}", Now, ("X-Telegram-Bot-Api-Secret-Token", "token"));
        var telegram = Channel(ChannelKind.Telegram, (ChannelSecretNames.TelegramSecretToken, "token"));
        var slackWithSameSecret = Channel(ChannelKind.Slack, (ChannelSecretNames.SlackSigningSecret, "token"));

        Assert.Equal(ChannelVerdictKind.Verified, (await gate.VerifyAsync(telegramCall, telegram, CancellationToken.None)).Kind);
        Assert.Equal(ChannelVerdictKind.Refused, (await gate.VerifyAsync(telegramCall, slackWithSameSecret, CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task A_channel_kind_without_a_verifier_is_refused()
    {
        var gate = new ChannelGate([new TelegramVerifier()]);
        var whatsApp = Channel(ChannelKind.WhatsApp, (ChannelSecretNames.WhatsAppVerifyToken, "token"));
        var handshake = Make("GET", "", "?hub.mode=subscribe&hub.verify_token=token&hub.challenge=1", Now);

        Assert.Equal(ChannelVerdictKind.Refused, (await gate.VerifyAsync(handshake, whatsApp, CancellationToken.None)).Kind);
    }

    [Fact]
    public void Every_refusal_is_the_same_401_that_names_no_cause_or_secret()
    {
        var refusal = ChannelVerdict.Refusal();

        Assert.Equal(ShroudError.Unauthorized, refusal.Error);
        Assert.Equal(401, refusal.Error.Status);
        Assert.Equal(ChannelVerdict.RefusalDetail, refusal.Message);
    }
}
