namespace Shroud.Core.Channels;

/// <summary>
/// Telegram Bot API webhooks: <c>X-Telegram-Bot-Api-Secret-Token</c> equal to the secret token given to
/// <c>setWebhook</c>. Telegram signs nothing and sends no timestamp, so the token is the whole check.
/// </summary>
public sealed class TelegramVerifier : IChannelVerifier
{
    public ChannelKind Kind => ChannelKind.Telegram;

    public ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(
            request.IsPost && ChannelSignatures.SecretEquals(request.Header("X-Telegram-Bot-Api-Secret-Token"), channel.Secret(ChannelSecretNames.TelegramSecretToken))
                ? ChannelVerdict.Verified
                : ChannelVerdict.Refused);
}
