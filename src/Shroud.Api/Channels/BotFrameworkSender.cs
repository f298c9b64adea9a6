using System.Net.Http.Headers;
using System.Net.Http.Json;
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
        var conversationId = send.Payload.Prop("conversation").Prop("id") is { } id && id.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? id.GetValue<string>()
            : throw ShroudException.Invalid("$.conversation.id", "is required: the conversation the activity goes to.");
        var token = await tokens.GetAsync(
            send.Channel.ApiBaseUrl, send.Secret(ChannelSecretNames.BotFrameworkAppId), send.Secret(ChannelSecretNames.BotFrameworkAppPassword), cancellationToken);
        using var request = new HttpRequestMessage(
            HttpMethod.Post, $"{serviceUrl.AbsoluteUri.TrimEnd('/')}/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities")
        {
            Content = JsonContent.Create(send.Payload),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answer = await api.SendAsync(Name, request, cancellationToken);
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
}
