using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>An app's encryption configurations.</summary>
public sealed class ConfigurationsFunctions(ConfigurationsApi configurations)
{
    [Function(nameof(ListConfigurations))]
    public Task<IActionResult> ListConfigurations([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Configurations)] HttpRequest request, string appId) =>
        configurations.ListAsync(request, appId).AsActionResult();

    [Function(nameof(CreateConfiguration))]
    public Task<IActionResult> CreateConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Configurations)] HttpRequest request, string appId) =>
        configurations.CreateAsync(request, appId).AsActionResult();

    [Function(nameof(GetConfiguration))]
    public Task<IActionResult> GetConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Configuration)] HttpRequest request, string appId, string configurationId) =>
        configurations.GetAsync(request, appId, configurationId).AsActionResult();

    [Function(nameof(ReplaceConfiguration))]
    public Task<IActionResult> ReplaceConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.Configuration)] HttpRequest request, string appId, string configurationId) =>
        configurations.ReplaceAsync(request, appId, configurationId).AsActionResult();

    [Function(nameof(PatchConfiguration))]
    public Task<IActionResult> PatchConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.Configuration)] HttpRequest request, string appId, string configurationId) =>
        configurations.PatchAsync(request, appId, configurationId).AsActionResult();

    [Function(nameof(DeleteConfiguration))]
    public Task<IActionResult> DeleteConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.Configuration)] HttpRequest request, string appId, string configurationId) =>
        configurations.DeleteAsync(request, appId, configurationId).AsActionResult();
}
