using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Apps;
using Shroud.Core.Audit;
using Shroud.Core.Configurations;

namespace Shroud.Api;

/// <summary>Apps and their API keys: the bootstrap admin key creates apps; it or an app key with <c>admin</c> manages keys.</summary>
public sealed class AppsApi(Gatekeeper gatekeeper, AppRegistry registry, ApiKeys keys, AppDirectory directory, IAppStore apps, IConfigurationStore configurations, AuditApi audit)
{
    public const int MaxRedactionLength = 100;

    /// <summary>Most apps in one page of <c>GET /api/apps</c>.</summary>
    public const int AppsPerPage = 100;

    public const string ContinuationTokenParameter = "continuationToken";

    public async Task<Created<AppResponse>> CreateAppAsync(HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, null, Permissions.Admin);
        var body = await ShroudJson.ReadAsync<CreateAppRequest>(request, RequestBody.Small, ct);
        var id = body.Id ?? throw ShroudException.Invalid("id", "is required.");
        var createdAt = await registry.CreateAsync(id, ct);
        await audit.RecordChangeAsync(request, null, AuditActions.AppCreate, id);
        return TypedResults.Created($"/{Routes.Prefix}/{Routes.Apps}/{id}", new AppResponse(id, createdAt, null, AppSettings.DefaultRedaction));
    }

    /// <summary>The deployment's apps, a page at a time (bootstrap admin key): ids and creation times only.</summary>
    public async Task<Ok<AppListResponse>> ListAppsAsync(HttpRequest request)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, null, Permissions.Admin);
        var token = request.Query[ContinuationTokenParameter] switch
        {
            { Count: 0 } => null,
            [{ Length: > 0 } one] => one,
            _ => throw ShroudException.Invalid(ContinuationTokenParameter, "must be given once, as a previous page returned it."),
        };
        var page = await apps.ListAppsAsync(token, AppsPerPage, ct);
        return TypedResults.Ok(new AppListResponse(page.Apps.Select(a => new AppListItem(a.AppId, a.CreatedAt)).ToList(), page.ContinuationToken));
    }

    /// <summary>The app's settings (<c>configure</c>), with an ETag.</summary>
    public async Task<Ok<AppResponse>> GetAppAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Configure);
        return Settings(request, await apps.GetSettingsAsync(appId, ct));
    }

    /// <summary>Changes the default configuration (null: none) and the redaction text (null: the default); honours If-Match.</summary>
    public async Task<Ok<AppResponse>> PatchAppAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Configure);
        var body = await ShroudJson.ReadAsync<AppPatchRequest>(request, RequestBody.Small, ct);
        var settings = await apps.GetSettingsAsync(appId, ct);
        if (ETags.IfMatch(request) is { } expected && expected != Azure.ETag.All && expected != settings.ETag)
        {
            throw Stale(appId);
        }

        var updated = settings;
        switch (body.DefaultConfigurationId.ValueKind)
        {
            case JsonValueKind.Undefined:
                break;
            case JsonValueKind.Null:
                updated = updated with { DefaultConfigurationId = null };
                break;
            case JsonValueKind.String when await configurations.GetAsync(appId, body.DefaultConfigurationId.GetString()!, ct) is { } chosen:
                updated = updated with { DefaultConfigurationId = chosen.Id };
                break;
            default:
                throw ShroudException.Invalid("defaultConfigurationId", "must be the id of one of the app's configurations, or null.");
        }

        switch (body.RedactionText.ValueKind)
        {
            case JsonValueKind.Undefined:
                break;
            case JsonValueKind.Null:
                updated = updated with { RedactionText = AppSettings.DefaultRedaction };
                break;
            case JsonValueKind.String when body.RedactionText.GetString() is { Length: > 0 and <= MaxRedactionLength } text:
                updated = updated with { RedactionText = text };
                break;
            default:
                throw ShroudException.Invalid("redactionText", $"must be 1 to {MaxRedactionLength} characters, or null for {AppSettings.DefaultRedaction}.");
        }

        if (!await apps.UpdateSettingsAsync(updated, ct))
        {
            throw Stale(appId);
        }

        directory.Forget(appId);
        await audit.RecordChangeAsync(request, appId, AuditActions.AppUpdate);
        return Settings(request, await apps.GetSettingsAsync(appId, ct));
    }

    private static Ok<AppResponse> Settings(HttpRequest request, AppSettings settings)
    {
        ETags.Set(request, settings.ETag);
        return TypedResults.Ok(new AppResponse(settings.AppId, settings.CreatedAt, settings.DefaultConfigurationId, settings.RedactionText));
    }

    private static ShroudException Stale(string appId) =>
        new(ShroudError.PreconditionFailed, $"App '{appId}' has changed since it was read; read it again and retry.");

    public async Task<Created<CreatedKeyResponse>> CreateKeyAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        var body = await ShroudJson.ReadAsync<CreateKeyRequest>(request, RequestBody.Small, ct);
        var permissions = Permissions.None;
        var names = body.Permissions ?? throw ShroudException.Invalid("permissions", $"is required: a list of {PermissionNames.Known}.");
        for (var i = 0; i < names.Count; i++)
        {
            permissions |= names[i] is { } name && PermissionNames.TryParse(name, out var permission)
                ? permission
                : throw ShroudException.Invalid($"permissions[{i}]", $"must be one of: {PermissionNames.Known}.");
        }

        var (key, text) = await keys.CreateAsync(caller, appId, body.Name ?? "", permissions, ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.KeyCreate, key.KeyId);
        return TypedResults.Created(
            $"/{Routes.Prefix}/{Routes.AppKeys.Replace("{appId}", appId)}/{key.KeyId}",
            new CreatedKeyResponse(key.KeyId, text, key.Name, PermissionNames.Format(key.Permissions), key.CreatedAt));
    }

    public async Task<Ok<ItemsResponse<KeyResponse>>> ListKeysAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        var list = await keys.ListAsync(appId, ct);
        return TypedResults.Ok(new ItemsResponse<KeyResponse>(
            list.Select(k => new KeyResponse(k.KeyId, k.Name, PermissionNames.Format(k.Permissions), k.CreatedAt, k.RevokedAt)).ToList()));
    }

    public async Task<NoContent> RevokeKeyAsync(HttpRequest request, string appId, string keyId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        await keys.RevokeAsync(appId, keyId, ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.KeyRevoke, keyId);
        return TypedResults.NoContent();
    }

    public async Task<Ok<ItemsResponse<KekResponse>>> ListKeksAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        return TypedResults.Ok(Keks(await directory.ListAsync(appId, ct)));
    }

    /// <summary>Rotates now; when another instance rotates at the same moment, its new version is the answer.</summary>
    public async Task<Ok<ItemsResponse<KekResponse>>> RotateKekAsync(HttpRequest request, string appId)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Admin);
        await directory.RotateAsync(appId, onlyIfDue: false, ct);
        await audit.RecordChangeAsync(request, appId, AuditActions.KekRotate);
        return TypedResults.Ok(Keks(await directory.ListAsync(appId, ct)));
    }

    private static ItemsResponse<KekResponse> Keks(IReadOnlyList<StoredKek> keks) => new(keks
        .Select(k => new KekResponse(k.Version, k.RetiredAt is null, k.RootKeyId, k.CreatedAt, k.RetiredAt, k.DestroyAt))
        .ToList());
}
