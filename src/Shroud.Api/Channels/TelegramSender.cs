using System.Net.Http.Json;
using OpenTelemetry;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Telegram Bot API <c>POST /bot{token}/sendMessage</c> with the payload as JSON. Telegram answers
/// <c>{ "ok": true, "result": { "message_id": … } }</c>, or <c>ok: false</c> with <c>error_code</c> and a description
/// (which is not passed on: it can quote the message).
/// </summary>
public sealed class TelegramSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://api.telegram.org";

    private const string Name = "Telegram";

    public ChannelKind Kind => ChannelKind.Telegram;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        // The bot token is part of the path, which a trace of the call would record as url.full: this call is left
        // out of tracing (the client logs nothing anyway).
        using var untraced = SuppressInstrumentationScope.Begin();
        using var request = new HttpRequestMessage(
            HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/bot{Uri.EscapeDataString(send.Secret(ChannelSecretNames.TelegramBotToken)).Replace("%3A", ":", StringComparison.Ordinal)}/sendMessage")
        {
            Content = JsonContent.Create(send.Payload),
        };
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess && answer.Body.Prop("ok")?.GetValueKind() == System.Text.Json.JsonValueKind.True
            ? new ChannelSent(answer.Status, answer.Body.Prop("result").Prop("message_id")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error_code")));
    }
}
