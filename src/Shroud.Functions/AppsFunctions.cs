using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>Apps, their API keys and their KEK versions. Shroud's API keys authorize these, so the Functions host lets every caller through.</summary>
public sealed class AppsFunctions(AppsApi apps)
{
    [Function(nameof(CreateApp))]
    public Task<IActionResult> CreateApp([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Apps)] HttpRequest request) =>
        apps.CreateAppAsync(request).AsActionResult();

    [Function(nameof(ListApps))]
    public Task<IActionResult> ListApps([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Apps)] HttpRequest request) =>
        apps.ListAppsAsync(request).AsActionResult();

    [Function(nameof(GetApp))]
    public Task<IActionResult> GetApp([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.App)] HttpRequest request, string appId) =>
        apps.GetAppAsync(request, appId).AsActionResult();

    [Function(nameof(PatchApp))]
    public Task<IActionResult> PatchApp([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.App)] HttpRequest request, string appId) =>
        apps.PatchAppAsync(request, appId).AsActionResult();

    [Function(nameof(CreateKey))]
    public Task<IActionResult> CreateKey([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.AppKeys)] HttpRequest request, string appId) =>
        apps.CreateKeyAsync(request, appId).AsActionResult();

    [Function(nameof(ListKeys))]
    public Task<IActionResult> ListKeys([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.AppKeys)] HttpRequest request, string appId) =>
        apps.ListKeysAsync(request, appId).AsActionResult();

    [Function(nameof(RevokeKey))]
    public Task<IActionResult> RevokeKey([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.AppKey)] HttpRequest request, string appId, string keyId) =>
        apps.RevokeKeyAsync(request, appId, keyId).AsActionResult();

    [Function(nameof(ListKeks))]
    public Task<IActionResult> ListKeks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.AppKek)] HttpRequest request, string appId) =>
        apps.ListKeksAsync(request, appId).AsActionResult();

    [Function(nameof(RotateKek))]
    public Task<IActionResult> RotateKek([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.AppKekRotate)] HttpRequest request, string appId) =>
        apps.RotateKekAsync(request, appId).AsActionResult();
}
