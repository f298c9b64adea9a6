using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// WhatsApp Cloud API <c>POST /{version}/{phoneNumberId}/messages</c> on the Graph API with the access token as a
/// bearer token. The message id is <c>messages[0].id</c>; a refusal names Graph's <c>error.code</c>.
/// </summary>
/// <remarks>
/// A media file is first uploaded to <c>POST /{phoneNumberId}/media</c> (multipart: <c>messaging_product</c>, <c>type</c>
/// = the file's content type, <c>file</c>) with the same token; the media id it answers takes the sealed field's place:
/// a sealed <c>link</c> (<c>"image": { "link": sealed }</c>) becomes the media object's <c>id</c>, a sealed media object
/// (<c>"image": sealed</c>) becomes <c>{ "id": … }</c>.
/// </remarks>
public sealed class WhatsAppSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://graph.facebook.com";

    /// <summary>The Graph API version Shroud calls.</summary>
    public const string GraphVersion = "v23.0";

    private const string Name = "WhatsApp";

    public ChannelKind Kind => ChannelKind.WhatsApp;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        foreach (var file in send.Files)
        {
            var id = await UploadAsync(send, file, cancellationToken);
            if (file.Property == "link" && file.Field.Parent is JsonObject media)
            {
                media.Remove("link");
                media["id"] = id;
            }
            else
            {
                file.Field.ReplaceWith(new JsonObject { ["id"] = id });
            }
        }

        using var request = Request(send, "messages", ChannelApi.Json(send.Payload));
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess
            ? new ChannelSent(answer.Status, answer.Body.Prop("messages").Item(0).Prop("id")?.ToString())
            : throw Refused(answer);
    }

    private async Task<string> UploadAsync(ChannelSend send, OutboundFile file, CancellationToken cancellationToken)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent(file.ContentType), "type" },
            { file.Content(), "file", file.FileName },
        };
        using var request = Request(send, "media", form);
        var answer = await api.UploadAsync(Name, request, cancellationToken);
        return answer.IsSuccess && answer.Body.Prop("id").Text() is { } id ? id : throw Refused(answer);
    }

    /// <summary>A call to an edge of the channel's phone number, with the access token.</summary>
    private static HttpRequestMessage Request(ChannelSend send, string edge, HttpContent content)
    {
        var phoneNumberId = Uri.EscapeDataString(send.Secret(ChannelSecretNames.WhatsAppPhoneNumberId));
        var request = new HttpRequestMessage(HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/{GraphVersion}/{phoneNumberId}/{edge}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", send.Secret(ChannelSecretNames.WhatsAppAccessToken));
        return request;
    }

    private static ShroudException Refused(ChannelAnswer answer) =>
        ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error").Prop("code")));
}
