using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// One file to download from a channel: the channel, its opened secrets, the file's id or URL as the channel gave it,
/// and the object that held it with its property name (where a channel puts the file's type beside it).
/// </summary>
public sealed record ChannelMediaRequest(Channel Channel, IReadOnlyDictionary<string, string> Secrets, string Source, JsonObject? Container = null, string? Property = null)
{
    /// <summary>A string property beside the file's field (e.g. its <c>mime_type</c>), when the payload has one in the clear.</summary>
    public string? Beside(string name) =>
        Container?[name].Text();

    /// <summary>A secret the download needs; a channel without it cannot be downloaded from (<c>media_credentials_missing</c>).</summary>
    public string Secret(string name) =>
        Secrets.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ChannelMediaException("media_credentials_missing");

    /// <summary>The channel's API base: <c>apiBaseUrl</c> when the channel sets one, the channel's real host otherwise; no trailing slash.</summary>
    public string BaseUrl(string defaultBaseUrl) => (Channel.ApiBaseUrl ?? defaultBaseUrl).TrimEnd('/');
}

/// <summary>A file opened for download: its content type (the channel's, else <c>application/octet-stream</c>) and the response streaming it.</summary>
public sealed record ChannelFile(string ContentType, HttpResponseMessage Response) : IDisposable
{
    public void Dispose() => Response.Dispose();
}

/// <summary>
/// A download that did not succeed; <see cref="Error"/> is what the delivery records as its last error (a code, never
/// the URL, the token or the channel's answer).
/// </summary>
public sealed class ChannelMediaException(string error) : Exception($"The channel's media could not be downloaded ({error}).")
{
    public string Error { get; } = error;
}

/// <summary>Opens the file one kind of channel names in its webhooks, with the channel's own credentials.</summary>
public interface IChannelMediaSource
{
    ChannelKind Kind { get; }

    /// <summary>The channel secrets a download needs; a channel missing one forwards its media as the sealed id or URL.</summary>
    IReadOnlyList<string> SecretNames { get; }

    /// <summary>The file, streaming; null when the field names nothing to download (it then passes as sealed).</summary>
    Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The HTTP side of media downloads: one named client whose primary handler is <see cref="ChannelOutboundHandler"/>
/// (every resolved address checked when connecting, no redirects), without logging (URLs can hold tokens) and without
/// retries (a failed download is retried as a delivery is, with the delivery's backoff). Every URL a channel returns
/// passes <see cref="OutboundAddressPolicy.Check"/> as a tenant-given URL does.
/// </summary>
public sealed class ChannelMediaClient(IHttpClientFactory clients, OutboundAddressPolicy policy)
{
    public const string ClientName = "Shroud.ChannelMedia";

    /// <summary>
    /// How long one download may take, headers and body: within the local listener's one-minute visibility of a queue
    /// message, so a slow download is retried as a failed one rather than handled twice at once.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(40);

    /// <summary>The URL a channel answered with, checked as tenant-given; <c>media_url_refused</c> otherwise.</summary>
    public Uri CheckUrl(string? url)
    {
        try
        {
            return policy.Check("url", url);
        }
        catch (ShroudException)
        {
            throw new ChannelMediaException("media_url_refused");
        }
    }

    /// <summary>How many redirects a download follows (Twilio's media URLs redirect to their storage host).</summary>
    public const int MaxRedirects = 3;

    /// <summary>
    /// Sends a request and answers its response once its headers arrived; a failure or a non-2xx status throws
    /// <see cref="ChannelMediaException"/>. Redirects of a GET are followed here, not by the handler, so that each
    /// <c>Location</c> passes <see cref="CheckUrl"/>; the credentials go along only to the same origin.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(request, cancellationToken);
        for (var redirects = 0; IsRedirect(response) && request.Method == HttpMethod.Get; redirects++)
        {
            var location = response.Headers.Location;
            response.Dispose();
            if (redirects == MaxRedirects || location is null)
            {
                throw new ChannelMediaException("media_redirect_refused");
            }

            var target = CheckUrl(new Uri(request.RequestUri!, location).AbsoluteUri);
            using var next = new HttpRequestMessage(HttpMethod.Get, target);
            if (Uri.Compare(target, request.RequestUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                next.Headers.Authorization = request.Headers.Authorization;
            }

            response = await SendOnceAsync(next, cancellationToken);
            request = next;
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new ChannelMediaException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"media_status_{status}"));
        }

        return response;
    }

    private static bool IsRedirect(HttpResponseMessage response) => (int)response.StatusCode is 301 or 302 or 303 or 307 or 308;

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // The exception's message can name the host; the error names only what happened.
            throw new ChannelMediaException("media_unreachable");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ChannelMediaException("media_timeout");
        }
    }

    /// <summary>A small JSON answer (a media endpoint's metadata), at most <see cref="ChannelApi.MaxAnswerBytes"/>; <c>media_answer_invalid</c> otherwise.</summary>
    public async Task<JsonNode> GetJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(ChannelApi.MaxAnswerBytes, cancellationToken);
            return JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken)) ?? throw new ChannelMediaException("media_answer_invalid");
        }
        catch (Exception e) when (e is JsonException or HttpRequestException)
        {
            throw new ChannelMediaException("media_answer_invalid");
        }
    }

    /// <summary>The file of a response; the type the channel's metadata named wins over the download's header (often a generic one).</summary>
    public static ChannelFile File(HttpResponseMessage response, string? contentType) =>
        new(contentType ?? response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream", response);
}

/// <summary>
/// WhatsApp Cloud API media: <c>GET {apiBase}/{version}/{media-id}</c> with the access token as a bearer token answers
/// <c>{ url, mime_type, file_size, … }</c>; the file is then read from <c>url</c> with the same bearer token.
/// </summary>
public sealed class WhatsAppMediaSource(ChannelMediaClient client) : IChannelMediaSource
{
    public ChannelKind Kind => ChannelKind.WhatsApp;

    public IReadOnlyList<string> SecretNames { get; } = [ChannelSecretNames.WhatsAppAccessToken];

    public async Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        var token = request.Secret(ChannelSecretNames.WhatsAppAccessToken);
        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"{request.BaseUrl(WhatsAppSender.DefaultBaseUrl)}/{WhatsAppSender.GraphVersion}/{Uri.EscapeDataString(request.Source)}");
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var metadata = await client.GetJsonAsync(lookup, cancellationToken);
        var url = client.CheckUrl(metadata["url"].Text());
        var mimeType = metadata["mime_type"].Text() ?? request.Beside("mime_type");

        using var download = new HttpRequestMessage(HttpMethod.Get, url);
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), mimeType);
    }
}

/// <summary>
/// Telegram Bot API files: <c>getFile</c> (<c>{apiBase}/bot&lt;token&gt;/getFile?file_id=…</c>) answers the file's
/// <c>file_path</c>, read from <c>{apiBase}/file/bot&lt;token&gt;/&lt;file_path&gt;</c>. Both URLs hold the bot token,
/// which is why the media client logs nothing.
/// </summary>
public sealed class TelegramMediaSource(ChannelMediaClient client) : IChannelMediaSource
{
    public const string DefaultBaseUrl = "https://api.telegram.org";

    public ChannelKind Kind => ChannelKind.Telegram;

    public IReadOnlyList<string> SecretNames { get; } = [ChannelSecretNames.TelegramBotToken];

    public async Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        var token = request.Secret(ChannelSecretNames.TelegramBotToken);
        var baseUrl = request.BaseUrl(DefaultBaseUrl);
        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/bot{token}/getFile?file_id={Uri.EscapeDataString(request.Source)}");
        var answer = await client.GetJsonAsync(lookup, cancellationToken);
        var filePath = answer["result"].Prop("file_path").Text();

        // A relative path of plain segments: nothing that could leave the bot's file directory.
        if (filePath is null || filePath.Length == 0 || filePath.Split('/').Any(s => s.Length == 0 || s is "." or ".."))
        {
            throw new ChannelMediaException("media_answer_invalid");
        }

        var escaped = string.Join('/', filePath.Split('/').Select(Uri.EscapeDataString));
        using var download = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/file/bot{token}/{escaped}");
        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), request.Beside("mime_type"));
    }
}

/// <summary>
/// Twilio: each <c>MediaUrlN</c> is read with HTTP basic authentication (<c>accountSid:authToken</c>); its type is
/// <c>MediaContentTypeN</c>. The URL redirects to Twilio's storage host, which is followed without the credentials.
/// </summary>
public sealed class TwilioMediaSource(ChannelMediaClient client) : IChannelMediaSource
{
    public ChannelKind Kind => ChannelKind.Twilio;

    public IReadOnlyList<string> SecretNames { get; } = [ChannelSecretNames.TwilioAccountSid, ChannelSecretNames.TwilioAuthToken];

    public async Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        var credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{request.Secret(ChannelSecretNames.TwilioAccountSid)}:{request.Secret(ChannelSecretNames.TwilioAuthToken)}"));
        using var download = new HttpRequestMessage(HttpMethod.Get, client.CheckUrl(request.Source));
        download.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        var contentType = request.Property is { } name ? request.Beside("MediaContentType" + name["MediaUrl".Length..]) : null;
        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), contentType);
    }
}

/// <summary>Slack: a file's <c>url_private</c> is read with the bot token as a bearer token; its type is the file's <c>mimetype</c>.</summary>
public sealed class SlackMediaSource(ChannelMediaClient client) : IChannelMediaSource
{
    public ChannelKind Kind => ChannelKind.Slack;

    public IReadOnlyList<string> SecretNames { get; } = [ChannelSecretNames.SlackBotToken];

    public async Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        using var download = new HttpRequestMessage(HttpMethod.Get, client.CheckUrl(request.Source));
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.Secret(ChannelSecretNames.SlackBotToken));
        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), request.Beside("mimetype"));
    }
}

/// <summary>
/// Bot Framework: an attachment's <c>contentUrl</c>, with its <c>contentType</c>. A URL on a Bot Connector host (or the
/// channel's <c>apiBaseUrl</c> host) is read with the Bot Connector token, as Teams' and the connector's attachment
/// URLs need; any other host gets no token, since the token must never leave Bot Framework's hosts.
/// </summary>
public sealed class BotFrameworkMediaSource(ChannelMediaClient client, BotConnectorTokens tokens) : IChannelMediaSource
{
    public ChannelKind Kind => ChannelKind.BotFramework;

    public IReadOnlyList<string> SecretNames { get; } = [ChannelSecretNames.BotFrameworkAppPassword];

    public async Task<ChannelFile?> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        // Some channels inline small files as data: URLs; what is not an http(s) URL is no file to fetch.
        if (!request.Source.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !request.Source.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var url = client.CheckUrl(request.Source);
        using var download = new HttpRequestMessage(HttpMethod.Get, url);
        if (BotFrameworkSender.IsConnectorHost(url, request.Channel))
        {
            string token;
            try
            {
                token = await tokens.GetAsync(
                    request.Channel.ApiBaseUrl, request.Secret(ChannelSecretNames.BotFrameworkAppId), request.Secret(ChannelSecretNames.BotFrameworkAppPassword), cancellationToken);
            }
            catch (ShroudException)
            {
                throw new ChannelMediaException("media_token_failed");
            }

            download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), request.Beside("contentType"));
    }
}
