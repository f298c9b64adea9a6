using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Bot Framework: the payload is an activity, posted to <c>{serviceUrl}/v3/conversations/{conversation.id}/activities</c>
/// with a Bot Connector token (<see cref="BotConnectorTokens"/>). The message id is the answer's <c>id</c>; a refusal
/// names the connector's <c>error.code</c>.
/// </summary>
/// <remarks>
/// The activity names where it goes, and the bot's token goes with it, so <c>serviceUrl</c> is held to more than a
/// forward URL is: it must pass <see cref="OutboundAddressPolicy"/> and its host must be a Bot Connector host
/// (<see cref="ConnectorHosts"/>, <see cref="ConnectorHostSuffixes"/>) or the host of the channel's <c>apiBaseUrl</c>,
/// which only a key with <c>configure</c> sets. Otherwise a key with <c>send</c> could name its own server and receive
/// both the bot's token and the revealed values.
/// A media file goes inline, as the connector takes attachments: the attachment's sealed <c>contentUrl</c> becomes a
/// <c>data:</c> URI, written base64 into the activity as the file is decrypted (<see cref="ActivityContent"/>), never
/// whole in memory; the attachment's <c>contentType</c> and <c>name</c> are the file's unless the payload sets them.
/// </remarks>
public sealed class BotFrameworkSender(ChannelApi api, BotConnectorTokens tokens, OutboundAddressPolicy addresses) : IChannelSender
{
    /// <summary>Bot Connector hosts named exactly (Teams' global connector sits on a shared Traffic Manager domain).</summary>
    public static readonly IReadOnlyList<string> ConnectorHosts = ["smba.trafficmanager.net"];

    /// <summary>Domains whose hosts are Bot Connector endpoints: Bot Framework channels, the US government clouds and Teams' government connectors.</summary>
    public static readonly IReadOnlyList<string> ConnectorHostSuffixes = [".botframework.com", ".botframework.azure.us", ".teams.microsoft.com", ".teams.microsoft.us"];

    private const string Name = "Bot Framework";

    public ChannelKind Kind => ChannelKind.BotFramework;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        var serviceUrl = ServiceUrl(send);
        var conversationId = send.Payload.Prop("conversation").Prop("id").Text()
            ?? throw ShroudException.Invalid("$.conversation.id", "is required: the conversation the activity goes to.");

        // The activity is laid out (and its files' places checked) before the token is fetched.
        HttpContent content = send.Files.Count == 0 ? ChannelApi.Json(send.Payload) : new ActivityContent(send.Payload, send.Files);
        var token = await tokens.GetAsync(
            send.Channel.ApiBaseUrl, send.Secret(ChannelSecretNames.BotFrameworkAppId), send.Secret(ChannelSecretNames.BotFrameworkAppPassword), cancellationToken);
        using var request = new HttpRequestMessage(
            HttpMethod.Post, $"{serviceUrl.AbsoluteUri.TrimEnd('/')}/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities")
        {
            Content = content,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answer = send.Files.Count == 0 ? await api.SendAsync(Name, request, cancellationToken) : await api.UploadAsync(Name, request, cancellationToken);
        return answer.IsSuccess
            ? new ChannelSent(answer.Status, answer.Body.Prop("id")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error").Prop("code")));
    }

    private Uri ServiceUrl(ChannelSend send)
    {
        const string field = "$.serviceUrl";
        var given = send.Payload.Prop("serviceUrl") is { } node && node.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? node.GetValue<string>()
            : throw ShroudException.Invalid(field, "is required: the Bot Connector endpoint of the conversation, as its activities carry it.");
        var url = addresses.Check(field, given);
        if (url.Query.Length > 0)
        {
            throw ShroudException.Invalid(field, "must not carry a query.");
        }

        return IsConnectorHost(url, send.Channel)
            ? url
            : throw ShroudException.Invalid(field, "must be a Bot Connector host (or the host of the channel's apiBaseUrl).");
    }

    /// <summary>Whether <paramref name="url"/> is on a Bot Connector host (or the channel's <c>apiBaseUrl</c> host): the only hosts its token goes to.</summary>
    public static bool IsConnectorHost(Uri url, Channel channel)
    {
        var host = url.IdnHost.TrimEnd('.').ToLowerInvariant();
        var configured = channel.ApiBaseUrl is { } apiBaseUrl ? new Uri(apiBaseUrl).IdnHost.TrimEnd('.').ToLowerInvariant() : null;
        return ConnectorHosts.Contains(host) || ConnectorHostSuffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal)) || host == configured;
    }

    /// <summary>
    /// The activity as JSON with each file's <c>data:</c> URI in its attachment's <c>contentUrl</c>, base64-encoded as the
    /// file is decrypted: the JSON around the files is serialized once, with a placeholder where each URI goes.
    /// </summary>
    private sealed class ActivityContent : HttpContent
    {
        private readonly List<(byte[] Json, OutboundFile? File)> pieces = [];

        public ActivityContent(JsonObject payload, IReadOnlyList<OutboundFile> files)
        {
            var placeholders = new List<(string Placeholder, OutboundFile File)>();
            foreach (var file in files)
            {
                if (file.Property != "contentUrl" || file.Field.Parent is not JsonObject attachment)
                {
                    throw file.Misplaced("Bot Framework takes a file as an attachment's contentUrl.");
                }

                attachment["contentType"] ??= file.ContentType;
                attachment["name"] ??= file.FileName;
                var placeholder = $"shroud-file-{Guid.NewGuid():N}";
                file.Field.ReplaceWith(JsonValue.Create(placeholder));
                placeholders.Add((placeholder, file));
            }

            var json = payload.ToJsonString();
            var at = 0;
            foreach (var (placeholder, file) in placeholders.OrderBy(p => json.IndexOf(p.Placeholder, StringComparison.Ordinal)))
            {
                var index = json.IndexOf(placeholder, at, StringComparison.Ordinal);
                pieces.Add((Encoding.UTF8.GetBytes(json[at..index] + JsonEncodedText.Encode($"data:{file.ContentType};base64,")), file));
                at = index + placeholder.Length;
            }

            pieces.Add((Encoding.UTF8.GetBytes(json[at..]), null));
            Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            foreach (var (json, file) in pieces)
            {
                await stream.WriteAsync(json, cancellationToken);
                if (file is not null)
                {
                    using var transform = new ToBase64Transform();
                    await using var base64 = new CryptoStream(stream, transform, CryptoStreamMode.Write, leaveOpen: true);
                    await file.CopyToAsync(base64, cancellationToken);
                    await base64.FlushFinalBlockAsync(cancellationToken);
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = pieces.Sum(p => p.Json.Length + (p.File is { } file ? (file.Size + 2) / 3 * 4 : 0));
            return true;
        }
    }
}
