using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Shroud.Core.Channels;

namespace Shroud.Api.Channels;

/// <summary>
/// Bot Framework tokens validated against the channel's OpenID metadata and its signing keys, each metadata address
/// read through one cached <see cref="ConfigurationManager{T}"/>: keys are fetched once and refreshed on Microsoft.IdentityModel's
/// schedule (and when a token names a key id not yet seen, which is how a key rollover shows).
/// </summary>
/// <remarks>
/// Lives in Shroud.Api, not Core, because it fetches documents over HTTP; Core only declares
/// <see cref="IBotFrameworkTokens"/>. Shroud.Storage is for the storage SDKs only, and this is the HTTP layer's
/// outbound edge toward the channels. The HTTP client is given (in production from IHttpClientFactory), so tests can
/// serve the documents in-process. Metadata and key URLs must be https. Register one instance per host (a singleton):
/// the key cache lives in it.
/// </remarks>
public sealed class BotFrameworkTokens(HttpClient httpClient) : IBotFrameworkTokens
{
    public const string DefaultMetadataBaseUrl = "https://login.botframework.com";

    public const string MetadataPath = "/v1/.well-known/openidconfiguration";

    private static readonly JsonWebTokenHandler Handler = new();

    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> metadata = new(StringComparer.Ordinal);

    public async Task<bool> IsValidAsync(string token, string appId, string? metadataBaseUrl, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var parameters = new TokenValidationParameters
        {
            ConfigurationManager = Metadata(MetadataAddress(metadataBaseUrl)),
            ValidIssuer = BotFrameworkVerifier.Issuer,
            ValidAudience = appId,
            ClockSkew = BotFrameworkVerifier.ClockSkew,
            // The Bot Connector signs with RS256; naming it refuses unsigned tokens and algorithm substitutions alike.
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            RequireAudience = true,
            ValidateLifetime = true,
            // Lifetimes are checked against the time the request arrived (the caller's TimeProvider), not the wall
            // clock Microsoft.IdentityModel would read, so that the one clock of the host decides staleness.
            LifetimeValidator = (notBefore, expires, _, _) => IsLive(notBefore, expires, now),
        };

        var result = await Handler.ValidateTokenAsync(token, parameters).WaitAsync(cancellationToken);
        return result.IsValid;
    }

    private static string MetadataAddress(string? metadataBaseUrl) =>
        (string.IsNullOrEmpty(metadataBaseUrl) ? DefaultMetadataBaseUrl : metadataBaseUrl).TrimEnd('/') + MetadataPath;

    private ConfigurationManager<OpenIdConnectConfiguration> Metadata(string address) =>
        metadata.GetOrAdd(address, a => new ConfigurationManager<OpenIdConnectConfiguration>(
            a,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(httpClient) { RequireHttps = true }));

    private static bool IsLive(DateTime? notBefore, DateTime? expires, DateTimeOffset now) =>
        expires is { } end && now.UtcDateTime < end.ToUniversalTime() + BotFrameworkVerifier.ClockSkew
        && (notBefore is not { } start || now.UtcDateTime >= start.ToUniversalTime() - BotFrameworkVerifier.ClockSkew);
}
