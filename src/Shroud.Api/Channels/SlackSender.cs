using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTelemetry;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Slack <c>chat.postMessage</c>: the payload as JSON with the bot token as a bearer token. Slack answers 200 with
/// <c>{ "ok": false, "error": "…" }</c> when it refuses a message, so <c>ok</c> decides, not the status; the message
/// id is the message's <c>ts</c>.
/// </summary>
/// <remarks>
/// A message with a media file (at <c>file</c>) is a file upload instead: <c>files.getUploadURLExternal</c> (file
/// name and length) answers an upload URL, which must pass <see cref="OutboundAddressPolicy"/> and gets the bytes
/// without the token (it is Slack's to sign); then <c>files.completeUploadExternal</c> shares the file in
/// <c>channel</c>, with <c>text</c> as its <c>initial_comment</c> and <c>thread_ts</c> as given. The message id is
/// then the file's id.
/// </remarks>
public sealed class SlackSender(ChannelApi api, OutboundAddressPolicy addresses) : IChannelSender
{
    public const string DefaultBaseUrl = "https://slack.com";

    /// <summary>What a message with a file may carry: what <c>files.completeUploadExternal</c> takes, by chat.postMessage's names.</summary>
    public static readonly IReadOnlyList<string> FileMessageMembers = ["channel", "text", "thread_ts", "file"];

    private const string Name = "Slack";

    public ChannelKind Kind => ChannelKind.Slack;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        if (send.SingleFile(Name) is { } file)
        {
            return await SendFileAsync(send, file, cancellationToken);
        }

        var answer = await CallAsync(send, "chat.postMessage", ChannelApi.Json(send.Payload), cancellationToken);
        return new ChannelSent(answer.Status, answer.Body.Prop("ts")?.ToString());
    }

    private async Task<ChannelSent> SendFileAsync(ChannelSend send, OutboundFile file, CancellationToken cancellationToken)
    {
        if (file.Field.Parent != send.Payload || file.Property != "file")
        {
            throw file.Misplaced("Slack takes a file at $.file.");
        }

        if (send.Payload.Select(p => p.Key).FirstOrDefault(k => !FileMessageMembers.Contains(k)) is { } other)
        {
            throw ShroudException.Invalid($"$.{other}", $"a message with a file takes only {string.Join(", ", FileMessageMembers)}.");
        }

        var upload = await CallAsync(
            send,
            "files.getUploadURLExternal",
            new FormUrlEncodedContent([new("filename", file.FileName), new("length", file.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
            cancellationToken);
        var fileId = upload.Body.Prop("file_id")?.ToString();
        Uri uploadUrl;
        try
        {
            uploadUrl = addresses.Check("upload_url", upload.Body.Prop("upload_url").Text());
        }
        catch (ShroudException)
        {
            throw ChannelApi.Refused(Name, upload.Status, "upload_url_refused");
        }

        // The upload URL is a capability (whoever holds it may fill the file): like Telegram's token-bearing paths, this
        // call is left out of tracing, which would record it as url.full.
        using (SuppressInstrumentationScope.Begin())
        using (var request = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = file.Content() })
        {
            var uploaded = await api.UploadAsync(Name, request, cancellationToken);
            if (!uploaded.IsSuccess)
            {
                throw ChannelApi.Refused(Name, uploaded.Status, null);
            }
        }

        var complete = new JsonObject { ["files"] = new JsonArray(new JsonObject { ["id"] = fileId, ["title"] = file.FileName }) };
        foreach (var (member, argument) in new[] { ("channel", "channel_id"), ("text", "initial_comment"), ("thread_ts", "thread_ts") })
        {
            if (send.Payload[member] is { } value)
            {
                complete[argument] = value.DeepClone();
            }
        }

        var answer = await CallAsync(send, "files.completeUploadExternal", ChannelApi.Json(complete), cancellationToken);
        return new ChannelSent(answer.Status, answer.Body.Prop("files").Item(0).Prop("id")?.ToString() ?? fileId);
    }

    /// <summary>Calls a Web API method with the bot token; anything but <c>"ok": true</c> is a refusal.</summary>
    private async Task<ChannelAnswer> CallAsync(ChannelSend send, string method, HttpContent content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{send.BaseUrl(DefaultBaseUrl)}/api/{method}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", send.Secret(ChannelSecretNames.SlackBotToken));
        var answer = await api.SendAsync(Name, request, cancellationToken);
        return answer.IsSuccess && answer.Body.Prop("ok")?.GetValueKind() == JsonValueKind.True
            ? answer
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error")));
    }
}
