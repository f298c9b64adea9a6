using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Shroud.Api.Channels;

/// <summary>
/// Access tokens for the Bot Connector: the OAuth client-credentials grant at the Bot Framework token endpoint with the
/// bot's app id and password, scope <c>https://api.botframework.com/.default</c>. Each token is kept until
/// <see cref="RefreshBefore"/> before it expires, per token endpoint, app id and password (a new password gets a new
/// token at once), and concurrent sends wait for one exchange rather than starting their own.
/// </summary>
/// <remarks>
/// Written here rather than with MSAL or Azure.Identity: both insist on an https authority and fetch its discovery
/// metadata first, while a channel's <c>apiBaseUrl</c> must be able to point the exchange at a test server on
/// loopback. The exchange itself is one form post. Register one instance per host (a singleton): the cache lives in it.
/// </remarks>
public sealed class BotConnectorTokens(ChannelApi api, TimeProvider clock)
{
    public const string DefaultBaseUrl = "https://login.microsoftonline.com";

    public const string TokenPath = "/botframework.com/oauth2/v2.0/token";

    public const string Scope = "https://api.botframework.com/.default";

    /// <summary>How long before its expiry a token is replaced, so that none expires on its way to the connector.</summary>
    public static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);

    private const string Name = "Bot Framework";

    private readonly ConcurrentDictionary<string, Lazy<Task<(string Token, DateTimeOffset RefreshAt)>>> tokens = new(StringComparer.Ordinal);

    public async Task<string> GetAsync(string? baseUrl, string appId, string appPassword, CancellationToken cancellationToken)
    {
        var endpoint = (baseUrl ?? DefaultBaseUrl).TrimEnd('/') + TokenPath;

        // The password is part of the key only as a hash: the cache must not become a second copy of the secret.
        var key = $"{endpoint}\n{appId}\n{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(appPassword)))}";
        while (true)
        {
            var entry = tokens.GetOrAdd(key, _ => new Lazy<Task<(string, DateTimeOffset)>>(() => FetchAsync(endpoint, appId, appPassword)));
            try
            {
                var (token, refreshAt) = await entry.Value.WaitAsync(cancellationToken);
                if (refreshAt > clock.GetUtcNow())
                {
                    return token;
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A failed exchange is not cached: the next send tries again.
                tokens.TryRemove(new(key, entry));
                throw;
            }

            tokens.TryRemove(new(key, entry));
        }
    }

    // Not cancelled with the request that started it: other sends may be waiting for the same token.
    private async Task<(string Token, DateTimeOffset RefreshAt)> FetchAsync(string endpoint, string appId, string appPassword)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = appId,
                ["client_secret"] = appPassword,
                ["scope"] = Scope,
            }),
        };
        var answer = await api.SendAsync(Name, request, CancellationToken.None);
        if (!answer.IsSuccess || answer.Body.Prop("access_token")?.ToString() is not { Length: > 0 } token)
        {
            throw ChannelApi.Refused(Name, answer.Status, ChannelApi.ErrorCode(answer.Body.Prop("error")));
        }

        var lifetime = answer.Body.Prop("expires_in") is JsonValue expiresIn && expiresIn.TryGetValue<int>(out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.Zero;
        return (token, clock.GetUtcNow() + lifetime - RefreshBefore);
    }
}
