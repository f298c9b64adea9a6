using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Twilio Programmable Messaging <c>POST /2010-04-01/Accounts/{accountSid}/Messages.json</c>: the payload's members are
/// the form parameters (<c>To</c>, <c>From</c>, <c>Body</c>, <c>MediaUrl</c> …; an array repeats its parameter), sent
/// form-encoded with basic authentication <c>accountSid:authToken</c>. The message id is the answer's <c>sid</c>; a
/// refusal names Twilio's <c>code</c>.
/// </summary>
/// <remarks>
/// Twilio takes media only as a <c>MediaUrl</c> it fetches itself, anonymously. Shroud serves no sealed file at a URL
/// anyone holding it could read, so a media reference in a Twilio send is refused (<c>400 media_not_supported</c>)
/// before anything is sent.
/// </remarks>
public sealed class TwilioSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://api.twilio.com";

    private const string Name = "Twilio";

    public ChannelKind Kind => ChannelKind.Twilio;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        if (send.Files.Count > 0)
        {
            throw new ShroudException(
                ShroudError.MediaNotSupported,
                $"{send.Files[0].Path} is a media file: Twilio fetches media from a public MediaUrl, and Shroud does not serve sealed files at anonymous URLs. Nothing was sent.");
        }

        var accountSid = send.Secret(ChannelSecretNames.TwilioAccountSid);
        using var request = new HttpRequestMessage(
            HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/2010-04-01/Accounts/{Uri.EscapeDataString(accountSid)}/Messages.json")
        {
            Content = new FormUrlEncodedContent(Parameters(send.Payload)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{send.Secret(ChannelSecretNames.TwilioAuthToken)}")));
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess
            ? new ChannelSent(answer.Status, answer.Body.Prop("sid")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("code")));
    }

    private static IEnumerable<KeyValuePair<string, string>> Parameters(JsonObject payload)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in payload)
        {
            IEnumerable<JsonNode?> items = value is JsonArray array ? array : new[] { value };
            foreach (var item in items)
            {
                parameters.Add(new(name, Scalar(item) ?? throw ShroudException.Invalid(
                    $"$.{name}", "must be a string, number or boolean (or an array of them): Twilio takes form parameters.")));
            }
        }

        return parameters;
    }

    private static string? Scalar(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        }
        : null;
}
