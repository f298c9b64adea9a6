using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>One file to download from a channel: the channel, its opened secrets and the file's id or URL as the channel gave it.</summary>
public sealed record ChannelMediaRequest(Channel Channel, IReadOnlyDictionary<string, string> Secrets, string Source)
{
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

    Task<ChannelFile> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken);
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

    /// <summary>Sends a request and answers its response once its headers arrived; a failure or a non-2xx status throws <see cref="ChannelMediaException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
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

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new ChannelMediaException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"media_status_{status}"));
        }

        return response;
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

    public async Task<ChannelFile> OpenAsync(ChannelMediaRequest request, CancellationToken cancellationToken)
    {
        var token = request.Secret(ChannelSecretNames.WhatsAppAccessToken);
        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"{request.BaseUrl(WhatsAppSender.DefaultBaseUrl)}/{WhatsAppSender.GraphVersion}/{Uri.EscapeDataString(request.Source)}");
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var metadata = await client.GetJsonAsync(lookup, cancellationToken);
        var url = client.CheckUrl((metadata["url"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? metadata["url"]!.GetValue<string>() : null);
        var mimeType = (metadata["mime_type"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? metadata["mime_type"]!.GetValue<string>() : null;

        using var download = new HttpRequestMessage(HttpMethod.Get, url);
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return ChannelMediaClient.File(await client.SendAsync(download, cancellationToken), mimeType);
    }
}
