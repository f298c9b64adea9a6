namespace Shroud.Core.Channels;

/// <summary>
/// Validates a Bot Framework bearer token. Implemented outside Core: it fetches and caches the channel's OpenID
/// metadata and signing keys, which is I/O.
/// </summary>
public interface IBotFrameworkTokens
{
    /// <summary>
    /// True when <paramref name="token"/> is a JWT signed by a key of the Bot Framework OpenID metadata (at
    /// <paramref name="metadataBaseUrl"/> when set), issued by <see cref="BotFrameworkVerifier.Issuer"/> for
    /// <paramref name="appId"/>, and live at <paramref name="now"/> within <see cref="BotFrameworkVerifier.ClockSkew"/>.
    /// </summary>
    Task<bool> IsValidAsync(string token, string appId, string? metadataBaseUrl, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>Bot Framework activities: <c>Authorization: Bearer</c> a JWT from the Bot Connector for the bot's app id.</summary>
public sealed class BotFrameworkVerifier(IBotFrameworkTokens tokens) : IChannelVerifier
{
    public const string Issuer = "https://api.botframework.com";

    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const string Scheme = "Bearer ";

    public ChannelKind Kind => ChannelKind.BotFramework;

    public async ValueTask<ChannelVerdict> VerifyAsync(ChannelRequest request, ChannelSettings channel, CancellationToken cancellationToken)
    {
        var authorization = request.Header("Authorization");
        if (!request.IsPost || channel.Secret(ChannelSecretNames.BotFrameworkAppId) is not { } appId
            || authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            || authorization[Scheme.Length..].Trim() is not { Length: > 0 } token)
        {
            return ChannelVerdict.Refused;
        }

        return await tokens.IsValidAsync(token, appId, channel.ApiBaseUrl, request.Now, cancellationToken)
            ? ChannelVerdict.Verified
            : ChannelVerdict.Refused;
    }
}
