using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Api.Channels;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Media;
using Shroud.Core.Records;

namespace Shroud.Api;

/// <summary>
/// The outgoing edge (<c>send</c>): a bot that holds only references replies through Shroud. The body is the channel's
/// own send payload, any value of which may be a sealed field; each is revealed (the redaction text once expired, or
/// for every field when the channel's <c>revealOnSend</c> is off) and the message goes to the channel's API with the
/// channel's credentials. The caller gets the channel's status and message id only: plaintext goes toward the channel,
/// never back to the caller, whatever the channel's answer echoes.
/// </summary>
/// <remarks>
/// The channel is read through <see cref="ChannelDirectory"/>, so a send costs one point read per sealed field, the
/// audit insert beside them and the channel's API call; a change to a channel reaches other instances within the
/// cache period. One audit record <c>channel.send</c> per send (ref ids, channel id as target), stored beside the reads and before
/// anything leaves for the channel (fail closed); its outcome is that of the reveal, since the channel's answer comes
/// only after plaintext has left. A send the channel then refuses is answered as a problem, and its record stands.
/// A live media reference stays a sealed field for the channel's sender, which uploads the file the channel's way
/// (<see cref="OutboundFile"/>; opening it reads its record again, and its blob); the record names it with the other ref
/// ids. With <c>revealOnSend</c> off a media reference is withheld as every other field is: nothing of the file is
/// read, the redaction text stands in its place.
/// </remarks>
public sealed class ChannelMessagesApi(
    Gatekeeper gatekeeper, AppDirectory directory, ChannelDirectory channels, ChannelSecrets secrets, Vault vault, MediaVault media, IEnumerable<IChannelSender> senders)
{
    /// <summary>Most sealed fields one message may carry, as in a batch decrypt.</summary>
    public const int MaxReferences = ValuesApi.MaxBatch;

    private readonly Dictionary<ChannelKind, IChannelSender> senders = senders.ToDictionary(s => s.Kind);

    public async Task<Ok<ChannelMessageResponse>> SendAsync(HttpRequest request, string appId, string channelId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request, appId, Permissions.Send);
        await directory.EnsureExistsAsync(appId, ct);
        var message = new OutboundMessage(await ShroudJson.ReadNodeAsync(request, RequestBody.Medium, ct) as JsonObject
            ?? throw new ShroudException(ShroudError.InvalidJson, "The body must be the channel's send payload: a JSON object."));
        var references = message.References;
        if (references.Count > MaxReferences)
        {
            throw new ShroudException(ShroudError.BatchTooLarge, $"A message carries at most {MaxReferences} sealed fields; this one carries {references.Count}.");
        }

        var channel = await channels.GetAsync(appId, channelId, ct)
            ?? throw new ShroudException(ShroudError.ChannelNotFound, $"The app has no channel '{channelId}'.");
        var opened = await secrets.OpenAsync(appId, channel, ct);
        var missing = ChannelTypes.SendSecretNames.GetValueOrDefault(channel.Type, []).Where(n => !opened.ContainsKey(n)).ToList();
        if (missing.Count > 0 || !senders.TryGetValue(ChannelTypes.KindOf(channel.Type), out var sender))
        {
            throw new ShroudException(
                ShroudError.ChannelCannotSend,
                $"Channel '{channelId}' cannot send until its secrets include {string.Join(" and ", missing.Select(n => $"'{n}'"))}; set them with PATCH (configure).");
        }

        var record = new AuditEntry(appId, AuditActions.ChannelSend, AuditOutcomes.Succeeded, caller.Name, Target: channel.Id);
        message.Fill(channel.RevealOnSend
            ? await vault.RevealAsync(appId, references, record, ct, markMedia: true)
            : await vault.WithholdAsync(appId, references, record, ct));
        await using var send = new ChannelSend(channel, opened, message.Payload, await OpenFilesAsync(appId, message.Media, ct));
        var sent = await sender.SendAsync(send, ct);
        return TypedResults.Ok(new ChannelMessageResponse(sent.Status, sent.MessageId));
    }

    /// <summary>Opens each media file of the message, its first segment authenticated, before anything leaves for the channel.</summary>
    private async Task<IReadOnlyList<OutboundFile>> OpenFilesAsync(
        string appId, IReadOnlyList<(JsonObject Field, string Path, string Reference)> files, CancellationToken cancellationToken)
    {
        var opened = new List<OutboundFile>();
        try
        {
            foreach (var (field, path, text) in files)
            {
                // The reveal has checked the reference already; it parses.
                var reference = ShroudReference.TryParse(text, out var parsed) ? parsed : throw ShroudException.InvalidReference(path);
                opened.Add(new OutboundFile(path, field, await media.OpenAsync(appId, reference, cancellationToken), ct => media.OpenAsync(appId, reference, ct)));
            }

            return opened;
        }
        catch
        {
            foreach (var file in opened)
            {
                await file.DisposeAsync();
            }

            throw;
        }
    }
}
