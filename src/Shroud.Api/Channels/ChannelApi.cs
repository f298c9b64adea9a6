using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Polly.Timeout;
using Shroud.Core;

namespace Shroud.Api.Channels;

/// <summary>What a channel's API answered: its status and, when it was JSON of a sensible size, its body.</summary>
public sealed record ChannelAnswer(int Status, JsonNode? Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// Walks JSON of a shape nobody promised (a channel's answer, a caller's payload): a property of an object or an item of
/// an array, and null for anything else, where <see cref="JsonNode"/>'s own indexers throw on the wrong kind of node.
/// </summary>
public static class JsonPath
{
    public static JsonNode? Prop(this JsonNode? node, string name) => node is JsonObject o ? o[name] : null;

    public static JsonNode? Item(this JsonNode? node, int index) => node is JsonArray a && index >= 0 && index < a.Count ? a[index] : null;

    /// <summary>The node's text when it is a JSON string, else null.</summary>
    public static string? Text(this JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}

/// <summary>
/// Every call to a channel's API goes through here: one named client from IHttpClientFactory whose primary handler is
/// <see cref="ChannelOutboundHandler"/> (each resolved address checked at connect time) and whose resilience handler
/// applies <see cref="ChannelSendOptions"/>. The client logs nothing (its URLs can hold a bot token); what is left after
/// the retries becomes a problem: a timeout <c>504 channel_timeout</c>, an outage, 408, 429 or 5xx
/// <c>503 channel_unavailable</c>. Refusals (4xx) are left to each sender, which knows where its channel puts the error code.
/// </summary>
public sealed partial class ChannelApi(IHttpClientFactory clients)
{
    public const string ClientName = "Shroud.ChannelApi";

    /// <summary>The client for calls that carry a media file: the same, with the upload bounds of <see cref="ChannelSendOptions"/>.</summary>
    public const string UploadClientName = "Shroud.ChannelUpload";

    /// <summary>Largest answer read: a send's answer is a few hundred bytes; a bigger one is not parsed.</summary>
    public const int MaxAnswerBytes = 64 * 1024;

    /// <summary>
    /// A JSON body as the channels' APIs get it: serialized up front with its length declared, so a message leaves in one
    /// write rather than as a chunked stream, and a retry sends the same bytes.
    /// </summary>
    public static HttpContent Json(JsonNode payload)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(payload, JsonSerializerOptions.Web));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public Task<ChannelAnswer> SendAsync(string channel, HttpRequestMessage request, CancellationToken cancellationToken) =>
        CallAsync(ClientName, channel, request, cancellationToken);

    /// <summary>A call whose body carries a media file (<see cref="OutboundFile"/>), with the upload bounds.</summary>
    public Task<ChannelAnswer> UploadAsync(string channel, HttpRequestMessage request, CancellationToken cancellationToken) =>
        CallAsync(UploadClientName, channel, request, cancellationToken);

    private async Task<ChannelAnswer> CallAsync(string clientName, string channel, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(clientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 408 or 429 or >= 500)
            {
                throw Unavailable(channel, $"{channel} answered {status} to every attempt.", status);
            }

            return new ChannelAnswer(status, await ReadJsonAsync(response, cancellationToken));
        }
        catch (TimeoutRejectedException)
        {
            throw new ShroudException(ShroudError.ChannelTimeout, $"{channel} did not answer within the send's time bound; try again later.")
            {
                Extensions = new Dictionary<string, object?> { ["channel"] = channel },
            };
        }
        catch (HttpRequestException)
        {
            // The exception's message can name an address; the problem names only the channel.
            throw Unavailable(channel, $"{channel} could not be reached; try again later.", null);
        }
    }

    /// <summary>
    /// <c>502 channel_error</c>: the channel refused the message. Names its status and error code, never the request
    /// or the rest of the channel's answer, which may repeat the message.
    /// </summary>
    public static ShroudException Refused(string channel, int status, string? errorCode)
    {
        var code = ErrorCode(errorCode);
        return new ShroudException(
            ShroudError.ChannelError,
            code is null ? $"{channel} refused the message with status {status}." : $"{channel} refused the message with status {status} and error '{code}'.")
        {
            Extensions = new Dictionary<string, object?> { ["channel"] = channel, ["channelStatus"] = status, ["channelError"] = code },
        };
    }

    /// <summary>An error code from a channel's answer as text: a string or a number, kept only when it looks like a code.</summary>
    public static string? ErrorCode(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => ErrorCode(value.GetValue<string>()),
            JsonValueKind.Number => ErrorCode(value.ToJsonString()),
            _ => null,
        }
        : null;

    // Channels' codes are short tokens ("channel_not_found", 131030, "BadArgument"); anything else could be content.
    private static string? ErrorCode(string? code) => code is not null && CodePattern().IsMatch(code) ? code : null;

    private static ShroudException Unavailable(string channel, string detail, int? status) =>
        new(ShroudError.ChannelUnavailable, detail) { Extensions = new Dictionary<string, object?> { ["channel"] = channel, ["channelStatus"] = status } };

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (await BoundedRead.ReadAsync(stream, response.Content.Headers.ContentLength, MaxAnswerBytes, cancellationToken) is not { } answer)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(answer.Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,100}$")]
    private static partial Regex CodePattern();
}
