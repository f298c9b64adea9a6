using System.Net.Http.Headers;
using System.Net.Http.Json;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Slack <c>chat.postMessage</c>: the payload as JSON with the bot token as a bearer token. Slack answers 200 with
/// <c>{ "ok": false, "error": "…" }</c> when it refuses a message, so <c>ok</c> decides, not the status; the message
/// id is the message's <c>ts</c>.
/// </summary>
public sealed class SlackSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://slack.com";

    private const string Name = "Slack";

    public ChannelKind Kind => ChannelKind.Slack;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/api/chat.postMessage")
        {
            Content = JsonContent.Create(send.Payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", send.Secret(ChannelSecretNames.SlackBotToken));
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess && answer.Body.Prop("ok")?.GetValueKind() == System.Text.Json.JsonValueKind.True
            ? new ChannelSent(answer.Status, answer.Body.Prop("ts")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error")));
    }
}
