using Microsoft.AspNetCore.Http;
using Shroud.Core.Access;
using Shroud.Core.Apps;

namespace Shroud.Api;

/// <summary>The prologue of every handler: the caller's bearer key checked for one permission, on the request's own token.</summary>
public static class GatekeeperRequests
{
    public static Task<Caller> AuthorizeAsync(this Gatekeeper gatekeeper, HttpRequest request, string? appId, Permissions required) =>
        gatekeeper.AuthorizeAsync(request.Headers.Authorization, appId, required, request.HttpContext.RequestAborted);

    /// <summary>The same check for a route on one app's resources, which also answers 404 when the app does not exist; returns the request's token.</summary>
    public static async Task<CancellationToken> AuthorizeAsync(this Gatekeeper gatekeeper, AppDirectory directory, HttpRequest request, string appId, Permissions required)
    {
        await gatekeeper.AuthorizeAsync(request, appId, required);
        await directory.EnsureExistsAsync(appId, request.HttpContext.RequestAborted);
        return request.HttpContext.RequestAborted;
    }
}
