using System.Net.Http.Headers;
using System.Net.Http.Json;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// WhatsApp Cloud API <c>POST /{version}/{phoneNumberId}/messages</c> on the Graph API with the access token as a
/// bearer token. The message id is <c>messages[0].id</c>; a refusal names Graph's <c>error.code</c>.
/// </summary>
public sealed class WhatsAppSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://graph.facebook.com";

    /// <summary>The Graph API version Shroud calls.</summary>
    public const string GraphVersion = "v23.0";

    private const string Name = "WhatsApp";

    public ChannelKind Kind => ChannelKind.WhatsApp;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        var phoneNumberId = Uri.EscapeDataString(send.Secret(ChannelSecretNames.WhatsAppPhoneNumberId));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/{GraphVersion}/{phoneNumberId}/messages")
        {
            Content = JsonContent.Create(send.Payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", send.Secret(ChannelSecretNames.WhatsAppAccessToken));
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess
            ? new ChannelSent(answer.Status, answer.Body.Prop("messages").Item(0).Prop("id")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error").Prop("code")));
    }
}
