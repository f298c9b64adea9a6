using Microsoft.AspNetCore.Http;
using Shroud.Core.Access;

namespace Shroud.Api;

/// <summary>The prologue of every handler: the caller's bearer key checked for one permission, on the request's own token.</summary>
public static class GatekeeperRequests
{
    public static Task<Caller> AuthorizeAsync(this Gatekeeper gatekeeper, HttpRequest request, string? appId, Permissions required) =>
        gatekeeper.AuthorizeAsync(request.Headers.Authorization, appId, required, request.HttpContext.RequestAborted);
}
