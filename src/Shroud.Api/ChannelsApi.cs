using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Channels;

namespace Shroud.Api;

/// <summary>
/// Chat channels of an app (<c>configure</c>). Secrets are sealed under the app's KEK and never answered: a channel
/// shows which are set. A type's verification secrets are required, its send secrets optional (a channel may be
/// inbound only). PUT replaces everything and needs every required secret of the type; PATCH (a merge patch) keeps the
/// secrets it does not name, sets those it names, removes an optional one set to <c>null</c> and refuses <c>null</c>
/// for a required one. Single-resource answers carry an ETag, and PUT, PATCH and DELETE honour If-Match.
/// </summary>
public sealed class ChannelsApi(
    Gatekeeper gatekeeper,
    IChannelStore store,
    ChannelSecrets secrets,
    OutboundAddressPolicy addresses,
    AppDirectory directory,
    ChannelDirectory channels,
    TimeProvider clock,
    AuditApi audit)
{
    public const int MaxNameLength = 100;
    public const int MaxSecretLength = 1024;
    private const string SecretsField = "secrets";

    public async Task<Ok<ItemsResponse<ChannelResponse>>> ListAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var list = await store.ListAsync(appId, ct);
        return TypedResults.Ok(new ItemsResponse<ChannelResponse>(list.Select(c => Response(appId, c)).ToList()));
    }

    public async Task<Created<CreatedChannelResponse>> CreateAsync(HttpRequest request, string appId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var body = await ShroudJson.ReadAsync<ChannelRequest>(request, RequestBody.Small, ct);
        var id = ChannelIds.New();
        var forwardSecret = ChannelSecrets.NewForwardSecret();
        var plaintext = new Dictionary<string, string>(Secrets(body.Type, body.Secrets), StringComparer.Ordinal) { [ChannelSecrets.ForwardSecretName] = forwardSecret };
        var created = await store.CreateAsync(appId, await ValidateAsync(appId, id, body, plaintext, clock.GetUtcNow(), ct), ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.ChannelCreate, created.Id);
        ETags.Set(request, created.ETag);
        var shown = Response(appId, created);
        return TypedResults.Created(
            $"/{Routes.Prefix}/{Path(Routes.Channel, appId, created.Id)}",
            new CreatedChannelResponse(
                shown.Id, shown.Type, shown.Name, shown.WebhookPath, shown.ForwardUrl, shown.PublicUrl, shown.ApiBaseUrl, shown.RevealOnSend, shown.SecretsSet, shown.CreatedAt, forwardSecret));
    }

    public async Task<Ok<ChannelResponse>> GetAsync(HttpRequest request, string appId, string channelId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var channel = await store.GetAsync(appId, channelId, ct) ?? throw NotFound(channelId);
        ETags.Set(request, channel.ETag);
        return TypedResults.Ok(Response(appId, channel));
    }

    public async Task<Ok<ChannelResponse>> ReplaceAsync(HttpRequest request, string appId, string channelId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var body = await ShroudJson.ReadAsync<ChannelRequest>(request, RequestBody.Small, ct);
        var current = await store.GetAsync(appId, channelId, ct) ?? throw NotFound(channelId);
        var plaintext = new Dictionary<string, string>(Secrets(body.Type, body.Secrets), StringComparer.Ordinal)
        {
            [ChannelSecrets.ForwardSecretName] = (await secrets.OpenAsync(appId, current, ct))[ChannelSecrets.ForwardSecretName],
        };
        var replaced = await store.ReplaceAsync(appId, await ValidateAsync(appId, channelId, body, plaintext, current.CreatedAt, ct), ETags.IfMatch(request) ?? current.ETag, ct);
        channels.Forget(appId, channelId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ChannelReplace, channelId);
        ETags.Set(request, replaced.ETag);
        return TypedResults.Ok(Response(appId, replaced));
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7396) to the channel's fields and secrets; written only if the channel is still
    /// the version the patch was applied to (or the one <c>If-Match</c> names). Changing the type keeps the secrets
    /// the new type shares with the old and needs the others in the same patch; changing <c>apiBaseUrl</c> keeps no secret
    /// Shroud presents to the channel's API (<see cref="IsPresentedToApi"/>).
    /// </summary>
    public async Task<Ok<ChannelResponse>> PatchAsync(HttpRequest request, string appId, string channelId)
    {
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        var patch = await ShroudJson.ReadNodeAsync(request, RequestBody.Small, ct, ShroudJson.MergePatchMediaType) as JsonObject
            ?? throw new ShroudException(ShroudError.InvalidJson, "A merge patch of a channel must be a JSON object.");
        var current = await store.GetAsync(appId, channelId, ct) ?? throw NotFound(channelId);
        if (patch.Remove(SecretsField, out var secretsPatch) && secretsPatch is null)
        {
            throw ShroudException.Invalid(SecretsField, "cannot be removed: every secret of the channel's type is required.");
        }

        var merged = (JsonObject)ShroudJson.ToNode(Request(current))!;
        MergePatch.Apply(merged, patch);
        var body = ShroudJson.Deserialize<ChannelRequest>(merged);

        var names = SecretNames(body.Type);
        var optional = SendSecretNames(body.Type);
        var opened = await secrets.OpenAsync(appId, current, ct);
        var movesApiHost = body.ApiBaseUrl != current.ApiBaseUrl;
        var given = opened
            .Where(s => (names.Contains(s.Key) || optional.Contains(s.Key)) && !(movesApiHost && IsPresentedToApi(s.Key, optional)))
            .ToDictionary(s => s.Key, s => (string?)s.Value, StringComparer.Ordinal);
        foreach (var (name, value) in PatchedSecrets(secretsPatch))
        {
            given[name] = value is not null || optional.Contains(name)
                ? value
                : throw ShroudException.Invalid($"{SecretsField}.{name}", "is required by the channel's type; send a new value to replace it.");
        }

        var plaintext = new Dictionary<string, string>(Secrets(body.Type, given), StringComparer.Ordinal)
        {
            [ChannelSecrets.ForwardSecretName] = opened[ChannelSecrets.ForwardSecretName],
        };
        var patched = await store.ReplaceAsync(appId, await ValidateAsync(appId, channelId, body, plaintext, current.CreatedAt, ct), ETags.IfMatch(request) ?? current.ETag, ct);
        channels.Forget(appId, channelId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ChannelPatch, channelId);
        ETags.Set(request, patched.ETag);
        return TypedResults.Ok(Response(appId, patched));
    }

    public async Task<NoContent> DeleteAsync(HttpRequest request, string appId, string channelId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = await gatekeeper.AuthorizeAsync(directory, request, appId, Permissions.Configure);
        await store.DeleteAsync(appId, channelId, ETags.IfMatch(request), ct);
        channels.Forget(appId, channelId);
        await audit.RecordChangeAsync(request, appId, AuditActions.ChannelDelete, channelId);
        return TypedResults.NoContent();
    }

    /// <summary>Checks the fields and seals <paramref name="plaintext"/> (the type's secrets and the forward secret) under the app's active KEK.</summary>
    private async Task<Channel> ValidateAsync(
        string appId, string id, ChannelRequest body, IReadOnlyDictionary<string, string> plaintext, DateTimeOffset createdAt, CancellationToken ct)
    {
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            throw ShroudException.Invalid("name", $"is required: 1 to {MaxNameLength} characters.");
        }

        var forwardUrl = addresses.Check("forwardUrl", body.ForwardUrl).AbsoluteUri;
        var apiBaseUrl = body.ApiBaseUrl is null ? null : addresses.Check("apiBaseUrl", body.ApiBaseUrl).AbsoluteUri;
        var publicUrl = body.PublicUrl is null ? null : PublicUrl(body.PublicUrl);
        var (version, sealedSecrets) = await secrets.SealAsync(appId, id, plaintext, ct);
        return new Channel(id, body.Type!, name, forwardUrl, publicUrl, apiBaseUrl, version, sealedSecrets, createdAt, RevealOnSend: body.RevealOnSend ?? true);
    }

    /// <summary>The type's secrets from a request: every verification secret required, send secrets where given (null: absent), no other.</summary>
    private static Dictionary<string, string> Secrets(string? type, IReadOnlyDictionary<string, string?>? given)
    {
        var names = SecretNames(type);
        var optional = SendSecretNames(type);
        given ??= new Dictionary<string, string?>();
        foreach (var name in given.Keys.Where(n => !names.Contains(n) && !optional.Contains(n)))
        {
            throw ShroudException.Invalid($"{SecretsField}.{name}", $"is not a secret of type '{type}'.");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names.Concat(optional))
        {
            var value = given.GetValueOrDefault(name);
            if (value is null && optional.Contains(name))
            {
                continue;
            }

            if (string.IsNullOrEmpty(value) || value.Length > MaxSecretLength)
            {
                throw ShroudException.Invalid(
                    $"{SecretsField}.{name}",
                    optional.Contains(name) ? $"must be 1 to {MaxSecretLength} characters, or absent." : $"is required for type '{type}': 1 to {MaxSecretLength} characters.");
            }

            result[name] = value;
        }

        return result;
    }

    /// <summary>
    /// Whether Shroud presents the stored secret to the channel's API host: the send secrets, Twilio's auth token (Basic
    /// auth) and Bot Framework's app id (the token request). A merge patch that changes <c>apiBaseUrl</c> keeps none of
    /// them, so a key that may configure a channel cannot point it at a host of its choosing and collect them with the next send.
    /// </summary>
    private static bool IsPresentedToApi(string name, IReadOnlyCollection<string> sendSecrets) =>
        sendSecrets.Contains(name) || name is ChannelSecretNames.TwilioAuthToken or ChannelSecretNames.BotFrameworkAppId;

    private static IReadOnlyList<string> SecretNames(string? type) =>
        type is not null && ChannelTypes.SecretNames.TryGetValue(type, out var names)
            ? names
            : throw ShroudException.Invalid("type", $"must be one of {string.Join(", ", ChannelTypes.SecretNames.Keys)}.");

    private static IReadOnlyList<string> SendSecretNames(string? type) =>
        type is not null && ChannelTypes.SendSecretNames.TryGetValue(type, out var names) ? names : [];

    private static IEnumerable<(string Name, string? Value)> PatchedSecrets(JsonNode? patch) => patch switch
    {
        null => [],
        JsonObject secretsObject => secretsObject.Select(s => (s.Key, s.Value switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw ShroudException.Invalid($"{SecretsField}.{s.Key}", "has the wrong type."),
        })).ToList(),
        _ => throw ShroudException.Invalid(SecretsField, "has the wrong type."),
    };

    // The URL the channel calls and signs (Twilio): Shroud never connects to it, so any absolute http or https URL will do.
    private static string PublicUrl(string url) =>
        url.Length <= OutboundAddressPolicy.MaxUrlLength && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? uri.AbsoluteUri
            : throw ShroudException.Invalid("publicUrl", $"must be an absolute http or https URL of at most {OutboundAddressPolicy.MaxUrlLength} characters.");

    private static ChannelRequest Request(Channel c) => new(c.Type, c.Name, null, c.ForwardUrl, c.PublicUrl, c.ApiBaseUrl, c.RevealOnSend);

    private static ChannelResponse Response(string appId, Channel c) => new(
        c.Id, c.Type, c.Name, $"/{Routes.Prefix}/{Path(Routes.ChannelWebhook, appId, c.Id)}", c.ForwardUrl, c.PublicUrl, c.ApiBaseUrl, c.RevealOnSend,
        c.SealedSecrets.Keys.Where(k => k != ChannelSecrets.ForwardSecretName).Order(StringComparer.Ordinal).ToList(), c.CreatedAt);

    private static string Path(string route, string appId, string channelId) =>
        route.Replace("{appId}", appId).Replace("{channelId}", channelId);

    private static ShroudException NotFound(string id) =>
        new(ShroudError.ChannelNotFound, $"The app has no channel '{id}'.");
}
