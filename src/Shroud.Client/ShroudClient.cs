using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Shroud.Client;

/// <summary>
/// A typed client of one app of a Shroud deployment (<see cref="ShroudClientOptions.AppId"/>), registered with
/// <see cref="ShroudClientServiceCollectionExtensions.AddShroudClient"/>. Every problem the service answers is thrown as
/// <see cref="ShroudException"/>. Requests that are safe to repeat are retried on <c>503</c> (see the registration);
/// changes (configurations, keys, channels, KEKs, app settings) and media uploads are not, since a <c>503</c> can follow
/// a change that was stored when its audit record could not be written, and an upload's stream is read once.
/// </summary>
public sealed partial class ShroudClient
{
    /// <summary>Marks a request the retry handler may send again after a 503.</summary>
    internal static readonly HttpRequestOptionsKey<bool> SafeToRepeat = new("Shroud.SafeToRepeat");

    private const string JsonMediaType = "application/json";

    private readonly HttpClient http;
    private readonly ShroudClientOptions options;

    public ShroudClient(HttpClient http, IOptions<ShroudClientOptions> options)
    {
        this.http = http;
        this.options = options.Value;
    }

    private string AppId => options.AppId is { Length: > 0 } appId ? appId : throw new InvalidOperationException("Set ShroudClientOptions.AppId to call the app's routes.");

    private string AppPath(string rest = "") => $"api/apps/{Uri.EscapeDataString(AppId)}{rest}";

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content, bool safeToRepeat, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (options.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        request.Options.Set(SafeToRepeat, safeToRepeat);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    /// <summary>A JSON body serialized once, so that a retry sends the same bytes.</summary>
    private static ByteArrayContent Json<T>(T body, string mediaType = JsonMediaType)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, ClientJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>Sends the request; a failed answer is thrown as its problem.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var response = await http.SendAsync(request, completion, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ShroudException.FromResponseAsync(response, cancellationToken);
            }
        }

        return response;
    }

    private async Task<(T Value, string? ETag)> SendJsonAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (var response = await SendAsync(request, cancellationToken))
        {
            var value = await response.Content.ReadFromJsonAsync<T>(ClientJson.Options, cancellationToken)
                ?? throw new ShroudException((int)response.StatusCode, "empty_answer", "The service answered no body.");
            return (value, response.Headers.ETag?.ToString());
        }
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        (await SendJsonAsync<T>(Request(HttpMethod.Get, path, null, safeToRepeat: true), cancellationToken)).Value;

    private async Task SendEmptyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (await SendAsync(request, cancellationToken))
        {
        }
    }

    private static string Query(params (string Name, string? Value)[] parameters) =>
        parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList() is { Count: > 0 } pairs
            ? "?" + string.Join('&', pairs)
            : "";

    private static string? Instant(DateTimeOffset? value) => value?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
