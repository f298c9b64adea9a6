using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;

namespace Shroud.Api;

/// <summary>
/// A channel's webhook: anonymous to Shroud's API keys, authenticated by the channel's own scheme (see
/// <see cref="ChannelGate"/>) over the raw body bytes, before anything is parsed. An unknown app or channel and a failed
/// verification get the same 401, so the route tells nobody which channels exist; a refused call stores and forwards
/// nothing and leaves an <c>access.denied</c> record naming the channel. A verified call is sealed, stored and queued
/// (<see cref="ChannelInbox"/>) before it is answered 200; a handshake is answered with its challenge. Once verified,
/// nothing in the content answers a 4xx (the channel would retry it, then may turn the webhook off): the inbox delivers
/// what it cannot seal redacted, and accepts an unreadable body with nothing delivered.
/// </summary>
public sealed class ChannelWebhookApi(
    ChannelDirectory channels, ChannelSecrets secrets, ChannelGate gate, ChannelInbox inbox, AuditTrail audit, ShroudMetrics metrics, TimeProvider clock)
{
    /// <summary>
    /// The largest webhook body: channels send a message or a few per call (Slack, Telegram and WhatsApp events are a
    /// few KiB), and a sealed payload, with its references, must fit one table entity.
    /// </summary>
    public const int MaxBodyBytes = 256 * 1024;

    public async Task<IResult> ReceiveAsync(HttpRequest request, string appId, string channelId)
    {
        var ct = request.HttpContext.RequestAborted;
        var now = clock.GetUtcNow();
        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, ct);
        var channel = AppIds.IsValid(appId) && ChannelIds.IsValid(channelId) ? await channels.GetAsync(appId, channelId, ct) : null;
        var kind = channel is null ? (ChannelKind?)null : Kind(channel.Type);
        var verdict = ChannelVerdict.Refused;
        if (channel is not null && kind is { } k)
        {
            var opened = await secrets.OpenAsync(appId, channel, ct);
            var settings = new ChannelSettings(k, opened.Where(s => s.Key != ChannelSecrets.ForwardSecretName).ToDictionary(), channel.PublicUrl, channel.ApiBaseUrl);
            var headers = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? "")));
            verdict = await gate.VerifyAsync(new Core.Channels.ChannelRequest(request.Method, headers, request.QueryString.Value, body, now), settings, ct);
        }

        switch (verdict.Kind)
        {
            case ChannelVerdictKind.Handshake:
                return TypedResults.Text(verdict.HandshakeContent, verdict.HandshakeContentType);
            case ChannelVerdictKind.Verified:
                await inbox.AcceptAsync(appId, channel!, kind!.Value, body, request.ContentType, ct);
                return TypedResults.Ok();
            default:
                metrics.Refused(ShroudError.Unauthorized);
                if (AppIds.IsValid(appId))
                {
                    await audit.WriteAsync(new AuditEntry(appId, AuditActions.AccessDenied, ShroudError.Unauthorized.Code, null, ChannelIds.IsValid(channelId) ? channelId : null));
                }

                throw ChannelVerdict.Refusal();
        }
    }

    private static ChannelKind? Kind(string type) => type switch
    {
        "slack" => ChannelKind.Slack,
        "whatsapp" => ChannelKind.WhatsApp,
        "telegram" => ChannelKind.Telegram,
        "twilio" => ChannelKind.Twilio,
        "botframework" => ChannelKind.BotFramework,
        _ => null,
    };
}
