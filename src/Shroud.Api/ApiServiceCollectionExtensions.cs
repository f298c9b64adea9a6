using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Shroud.Core;

namespace Shroud.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Registers the core services and the request handlers both hosts call.</summary>
    public static IServiceCollection AddShroudApi(this IServiceCollection services)
    {
        services.AddShroudCore();
        services.ConfigureHttpJsonOptions(o => ShroudJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddSingleton<HealthApi>();
        services.AddSingleton<AppsApi>();
        services.AddSingleton<ValuesApi>();
        services.AddSingleton<MaintenanceApi>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    /// <summary>Maps every route under <c>/api</c>, exactly as the Functions app declares them.</summary>
    public static RouteGroupBuilder MapShroudApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/" + Routes.Prefix).AddEndpointFilter<ProblemFilter>();
        api.MapGet(Routes.Health, (HttpRequest r, HealthApi h) => h.CheckAsync(r));
        api.MapPost(Routes.Apps, (HttpRequest r, AppsApi a) => a.CreateAppAsync(r));
        api.MapPost(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.CreateKeyAsync(r, appId));
        api.MapGet(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.ListKeysAsync(r, appId));
        api.MapDelete(Routes.AppKey, (HttpRequest r, string appId, string keyId, AppsApi a) => a.RevokeKeyAsync(r, appId, keyId));
        api.MapPost(Routes.Encrypt, (HttpRequest r, string appId, ValuesApi v) => v.EncryptAsync(r, appId));
        api.MapPost(Routes.Decrypt, (HttpRequest r, string appId, ValuesApi v) => v.DecryptAsync(r, appId));
        api.MapGet(Routes.AppKek, (HttpRequest r, string appId, AppsApi a) => a.ListKeksAsync(r, appId));
        api.MapPost(Routes.AppKekRotate, (HttpRequest r, string appId, AppsApi a) => a.RotateKekAsync(r, appId));
        api.MapPost(Routes.MaintenanceRun, (HttpRequest r, MaintenanceApi m) => m.RunAsync(r));
        return api;
    }
}
