using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shroud.Core;
using Shroud.Core.Audit;
using Shroud.Core.Channels;
using Shroud.Core.Channels.Inbound;
using Shroud.Core.Events;
using Shroud.Core.Media;
using Shroud.Core.Records;

namespace Shroud.Api.Channels;

/// <summary>
/// The delivery consumer's media step: every field the webhook marked <see cref="InboundMedia.PendingProperty"/> (its
/// configuration encrypts media) names a file the channel serves. The sealed id or URL is revealed here, inside Shroud
/// (the payload holds its reference; one <c>channel.media.fetch</c> audit record per file), the file is downloaded with
/// the channel's credentials and streamed into <see cref="MediaVault"/> (segmented encryption, size limit, TTL of the
/// value it replaces), and the field becomes <c>{ "$shroud": media ref, "redacted", "contentType", "size", "source" }</c>
/// with the original still sealed in <c>source</c>. After each file the caller stores the payload again, so a retry
/// downloads only what is still pending.
/// </summary>
public sealed class InboundMediaSealer(Vault vault, MediaVault media, IEnumerable<IChannelMediaSource> sources, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Forwarded = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = ChatEvents.MaxDepth };
    private static readonly byte[] Marker = Encoding.UTF8.GetBytes($"\"{InboundMedia.PendingProperty}\"");
    private readonly Dictionary<ChannelKind, IChannelMediaSource> byKind = sources.ToDictionary(s => s.Kind);

    /// <summary>
    /// Seals the pending files of <paramref name="payload"/>; answers the payload to forward (the same array when nothing
    /// was pending). <paramref name="save"/> is called with the payload after each sealed file. A download that fails
    /// throws <see cref="ChannelMediaException"/>.
    /// </summary>
    public async Task<byte[]> SealAsync(
        string appId, Channel channel, IReadOnlyDictionary<string, string> secrets, byte[] payload, Func<byte[], Task> save, CancellationToken cancellationToken)
    {
        if (payload.AsSpan().IndexOf(Marker) < 0)
        {
            return payload;
        }

        var root = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = ChatEvents.MaxDepth })!;
        var pending = Pending(root).ToList();

        // Without a media source, or without the credentials to download, the media passes as the sealed id or URL.
        var source = byKind.GetValueOrDefault(ChannelTypes.KindOf(channel.Type));
        if (source is not null && !source.SecretNames.All(name => secrets.TryGetValue(name, out var value) && value.Length > 0))
        {
            source = null;
        }

        foreach (var field in pending)
        {
            field.Remove(InboundMedia.PendingProperty);
            if (source is not null && field[ChatEvents.ReferenceProperty] is JsonValue reference)
            {
                var request = new ChannelMediaRequest(channel, secrets, "", field.Parent as JsonObject, field.Parent is JsonObject ? field.GetPropertyName() : null);
                var sealedFile = await SealFileAsync(appId, request, source, reference.GetValue<string>(), field[ChatEvents.RedactedProperty]?.DeepClone(), cancellationToken);
                if (sealedFile is not null)
                {
                    field.ReplaceWith(sealedFile);
                }
            }

            // A field not downloaded (no source, no credentials, expired) passes as sealed, its marker removed.
            var updated = JsonSerializer.SerializeToUtf8Bytes(root, Forwarded);
            await save(updated);
            payload = updated;
        }

        return payload;
    }

    private async Task<JsonObject?> SealFileAsync(
        string appId, ChannelMediaRequest request, IChannelMediaSource source, string reference, JsonNode? redacted, CancellationToken cancellationToken)
    {
        var revealed = (await vault.RevealAsync(
            appId, [("source", reference)], new AuditEntry(appId, AuditActions.ChannelMediaFetch, AuditOutcomes.Succeeded, null, Target: request.Channel.Id), cancellationToken))[0];
        if (revealed.Expired || !ShroudReference.TryParse(reference, out var parsed))
        {
            return null;
        }

        // The file lives as long as the id it replaces, so it never outlasts the configuration that sealed it.
        var ttl = parsed.ExpiresAt - clock.GetUtcNow();
        if (ttl < TimeSpan.FromSeconds(1))
        {
            return null;
        }

        SealedMedia sealedMedia;
        using (var file = await source.OpenAsync(request with { Source = revealed.Value }, cancellationToken))
        {
            if (file is null)
            {
                return null;
            }

            try
            {
                await using var content = await file.Response.Content.ReadAsStreamAsync(cancellationToken);
                sealedMedia = await media.SealAsync(appId, content, file.ContentType, null, ttl, cancellationToken);
            }
            catch (ShroudException e) when (e.Error == ShroudError.MediaTooLarge)
            {
                throw new ChannelMediaException("media_too_large");
            }
            catch (ShroudException e) when (e.Error == ShroudError.ValidationFailed)
            {
                throw new ChannelMediaException("media_empty");
            }
            catch (HttpRequestException)
            {
                throw new ChannelMediaException("media_unreachable");
            }
            catch (IOException)
            {
                throw new ChannelMediaException("media_unreachable");
            }
        }

        return new JsonObject
        {
            [ChatEvents.ReferenceProperty] = sealedMedia.Reference,
            [ChatEvents.RedactedProperty] = redacted,
            [InboundMedia.ContentTypeProperty] = sealedMedia.ContentType,
            [InboundMedia.SizeProperty] = sealedMedia.Size,
            [InboundMedia.SourceProperty] = new JsonObject
            {
                [ChatEvents.ReferenceProperty] = reference,
                [ChatEvents.RedactedProperty] = redacted?.DeepClone(),
            },
        };
    }

    /// <summary>The sealed fields marked pending, wherever they are in the payload.</summary>
    private static IEnumerable<JsonObject> Pending(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o when o.ContainsKey(InboundMedia.PendingProperty):
                yield return o;
                break;
            case JsonObject o:
                foreach (var child in o.Select(p => p.Value).ToList())
                {
                    foreach (var found in Pending(child))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a.ToList())
                {
                    foreach (var found in Pending(child))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }
}
