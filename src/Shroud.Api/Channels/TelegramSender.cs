using System.Text.Json;
using System.Text.Json.Nodes;
using OpenTelemetry;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Telegram Bot API <c>POST /bot{token}/sendMessage</c> with the payload as JSON. Telegram answers
/// <c>{ "ok": true, "result": { "message_id": … } }</c>, or <c>ok: false</c> with <c>error_code</c> and a description
/// (which is not passed on: it can quote the message).
/// </summary>
/// <remarks>
/// A message with a media file goes to the method its field names (<c>photo</c> → <c>sendPhoto</c>, <c>document</c> →
/// <c>sendDocument</c>, …) as <c>multipart/form-data</c>, as Telegram takes new files: the file as that field, every
/// other member as a form field (strings as they are, anything else as JSON, which is how Telegram reads
/// <c>reply_markup</c> in a form). One file per message, at the top level of the payload.
/// </remarks>
public sealed class TelegramSender(ChannelApi api) : IChannelSender
{
    public const string DefaultBaseUrl = "https://api.telegram.org";

    /// <summary>The fields that carry a file, and the method that sends each.</summary>
    public static readonly IReadOnlyDictionary<string, string> FileMethods = new Dictionary<string, string>
    {
        ["photo"] = "sendPhoto",
        ["document"] = "sendDocument",
        ["audio"] = "sendAudio",
        ["video"] = "sendVideo",
        ["voice"] = "sendVoice",
        ["animation"] = "sendAnimation",
        ["video_note"] = "sendVideoNote",
        ["sticker"] = "sendSticker",
    };

    private const string Name = "Telegram";

    public ChannelKind Kind => ChannelKind.Telegram;

    public async Task<ChannelSent> SendAsync(ChannelSend send, CancellationToken cancellationToken)
    {
        // The bot token is part of the path, which a trace of the call would record as url.full: this call is left
        // out of tracing (the client logs nothing anyway).
        using var untraced = SuppressInstrumentationScope.Begin();
        var file = send.SingleFile(Name);
        ChannelAnswer answer;
        if (file is null)
        {
            using var request = Request(send, "sendMessage", ChannelApi.Json(send.Payload));
            answer = await api.SendAsync(Name, request, cancellationToken);
        }
        else
        {
            using var request = Request(send, Method(send, file), Form(send.Payload, file));
            answer = await api.UploadAsync(Name, request, cancellationToken);
        }

        return answer.IsSuccess && answer.Body.Prop("ok")?.GetValueKind() == JsonValueKind.True
            ? new ChannelSent(answer.Status, answer.Body.Prop("result").Prop("message_id")?.ToString())
            : throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error_code")));
    }

    private static string Method(ChannelSend send, OutboundFile file) =>
        file.Field.Parent == send.Payload && FileMethods.TryGetValue(file.Property!, out var method)
            ? method
            : throw file.Misplaced($"Telegram takes a file as one of {string.Join(", ", FileMethods.Keys)} at the top level of the message.");

    private static MultipartFormDataContent Form(JsonObject payload, OutboundFile file)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in payload)
        {
            if (name == file.Property)
            {
                form.Add(file.Content(), name, file.FileName);
            }
            else if (value is not null)
            {
                form.Add(new StringContent(value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString()), name);
            }
        }

        return form;
    }

    private static HttpRequestMessage Request(ChannelSend send, string method, HttpContent content) => new(
        HttpMethod.Post,
        $"{send.BaseUrl(DefaultBaseUrl)}/bot{Uri.EscapeDataString(send.Secret(ChannelSecretNames.TelegramBotToken)).Replace("%3A", ":", StringComparison.Ordinal)}/{method}")
    {
        Content = content,
    };
}
