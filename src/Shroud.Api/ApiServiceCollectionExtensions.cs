using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shroud.Api.Channels;
using Shroud.Core;
using Shroud.Core.Channels;
using Shroud.Storage;

namespace Shroud.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Registers the core services, their storage and the request handlers both hosts call.</summary>
    public static IServiceCollection AddShroudApi(this IServiceCollection services)
    {
        services.AddShroudCore();
        services.AddShroudStorage();
        services.ConfigureHttpJsonOptions(o => ShroudJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddSingleton<HealthApi>();
        services.AddSingleton<AppsApi>();
        services.AddSingleton<ValuesApi>();
        services.AddSingleton<MaintenanceApi>();
        services.AddSingleton<ConfigurationsApi>();
        services.AddSingleton<ChannelsApi>();
        services.AddSingleton<ChannelWebhookApi>();
        services.AddSingleton<DeliveriesApi>();
        services.AddShroudChannels();
        services.AddSingleton<ConversationsApi>();
        services.AddOptions<ChannelOptions>().PostConfigure<IHostEnvironment>((o, environment) =>
            o.AllowForwardTo ??= environment.IsDevelopment() ? ChannelOptions.DevelopmentAllowForwardTo : null);
        services.AddSingleton<EventsApi>();
        services.AddSingleton<MediaApi>();
        services.AddSingleton<AuditApi>();
        return services;
    }

    /// <summary>
    /// The channels' verifiers, the delivery consumer, and the HTTP clients of both toward tenant-given addresses, each
    /// built on <see cref="ChannelOutboundHandler"/>.
    /// </summary>
    private static IServiceCollection AddShroudChannels(this IServiceCollection services)
    {
        services.AddHttpClient(DeliveryWorker.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => ChannelOutboundHandler.Create(sp.GetRequiredService<OutboundAddressPolicy>()));
        services.AddHttpClient(BotFrameworkMetadataClient, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => ChannelOutboundHandler.Create(sp.GetRequiredService<OutboundAddressPolicy>()));
        services.AddSingleton<IBotFrameworkTokens>(sp => new BotFrameworkTokens(sp.GetRequiredService<IHttpClientFactory>().CreateClient(BotFrameworkMetadataClient)));
        services.AddSingleton<IChannelVerifier, SlackVerifier>();
        services.AddSingleton<IChannelVerifier, WhatsAppVerifier>();
        services.AddSingleton<IChannelVerifier, TelegramVerifier>();
        services.AddSingleton<IChannelVerifier, TwilioVerifier>();
        services.AddSingleton<IChannelVerifier, BotFrameworkVerifier>();
        services.AddSingleton<ChannelGate>();
        services.AddSingleton<DeliveryWorker>();
        return services;
    }

    /// <summary>The named HTTP client that reads Bot Framework OpenID metadata and keys.</summary>
    public const string BotFrameworkMetadataClient = "shroud-botframework-metadata";

    /// <summary>
    /// The local host's middleware around the routes: every answer carries the cache rule, and a request no route answers
    /// gets a problem response (<c>404 not_found</c>, or <c>405 method_not_allowed</c> with <c>Allow</c>) like every other error.
    /// </summary>
    public static IApplicationBuilder UseShroudApi(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            CachePolicy.Apply(context.Response);
            return next(context);
        });
        app.UseStatusCodePages(context => Problems.ForUnroutedAsync(context.HttpContext));
        return app;
    }

    /// <summary>Maps every route under <c>/api</c>, exactly as the Functions app declares them.</summary>
    public static RouteGroupBuilder MapShroudApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/" + Routes.Prefix).AddEndpointFilter<ProblemFilter>();
        api.MapMethods(Routes.Health, [HttpMethods.Get, HttpMethods.Head], (HttpRequest r, HealthApi h) => h.CheckAsync(r));
        api.MapPost(Routes.Apps, (HttpRequest r, AppsApi a) => a.CreateAppAsync(r));
        api.MapGet(Routes.Apps, (HttpRequest r, AppsApi a) => a.ListAppsAsync(r));
        api.MapPost(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.CreateKeyAsync(r, appId));
        api.MapGet(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.ListKeysAsync(r, appId));
        api.MapDelete(Routes.AppKey, (HttpRequest r, string appId, string keyId, AppsApi a) => a.RevokeKeyAsync(r, appId, keyId));
        api.MapPost(Routes.Encrypt, (HttpRequest r, string appId, ValuesApi v) => v.EncryptAsync(r, appId));
        api.MapPost(Routes.Decrypt, (HttpRequest r, string appId, ValuesApi v) => v.DecryptAsync(r, appId));
        api.MapGet(Routes.AppKek, (HttpRequest r, string appId, AppsApi a) => a.ListKeksAsync(r, appId));
        api.MapPost(Routes.AppKekRotate, (HttpRequest r, string appId, AppsApi a) => a.RotateKekAsync(r, appId));
        api.MapPost(Routes.MaintenanceRun, (HttpRequest r, MaintenanceApi m) => m.RunAsync(r));
        api.MapGet(Routes.App, (HttpRequest r, string appId, AppsApi a) => a.GetAppAsync(r, appId));
        api.MapPatch(Routes.App, (HttpRequest r, string appId, AppsApi a) => a.PatchAppAsync(r, appId));
        api.MapGet(Routes.Configurations, (HttpRequest r, string appId, ConfigurationsApi c) => c.ListAsync(r, appId));
        api.MapPost(Routes.Configurations, (HttpRequest r, string appId, ConfigurationsApi c) => c.CreateAsync(r, appId));
        api.MapGet(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.GetAsync(r, appId, configurationId));
        api.MapPut(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.ReplaceAsync(r, appId, configurationId));
        api.MapPatch(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.PatchAsync(r, appId, configurationId));
        api.MapDelete(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.DeleteAsync(r, appId, configurationId));
        api.MapGet(Routes.Channels, (HttpRequest r, string appId, ChannelsApi c) => c.ListAsync(r, appId));
        api.MapPost(Routes.Channels, (HttpRequest r, string appId, ChannelsApi c) => c.CreateAsync(r, appId));
        api.MapGet(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.GetAsync(r, appId, channelId));
        api.MapPut(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.ReplaceAsync(r, appId, channelId));
        api.MapPatch(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.PatchAsync(r, appId, channelId));
        api.MapDelete(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.DeleteAsync(r, appId, channelId));
        api.MapMethods(Routes.ChannelWebhook, [HttpMethods.Post, HttpMethods.Get], (HttpRequest r, string appId, string channelId, ChannelWebhookApi w) => w.ReceiveAsync(r, appId, channelId));
        api.MapGet(Routes.ChannelDeliveries, (HttpRequest r, string appId, string channelId, DeliveriesApi d) => d.ListAsync(r, appId, channelId));
        api.MapPost(Routes.ChannelDeliveryRetry, (HttpRequest r, string appId, string channelId, string deliveryId, DeliveriesApi d) => d.RetryAsync(r, appId, channelId, deliveryId));
        api.MapPut(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.StartAsync(r, appId, conversationId));
        api.MapGet(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.GetAsync(r, appId, conversationId));
        api.MapDelete(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.EndAsync(r, appId, conversationId));
        api.MapPost(Routes.Events, (HttpRequest r, string appId, EventsApi e) => e.SealAsync(r, appId));
        api.MapPost(Routes.EventsReveal, (HttpRequest r, string appId, EventsApi e) => e.RevealAsync(r, appId));
        api.MapPost(Routes.Media, (HttpRequest r, string appId, MediaApi m) => m.SealAsync(r, appId));
        api.MapPost(Routes.MediaReveal, (HttpRequest r, string appId, MediaApi m) => m.RevealAsync(r, appId));
        api.MapGet(Routes.AppAudit, (HttpRequest r, string appId, AuditApi a) => a.QueryAppAsync(r, appId));
        api.MapGet(Routes.AppAuditVerify, (HttpRequest r, string appId, AuditApi a) => a.VerifyAppAsync(r, appId));
        api.MapGet(Routes.Audit, (HttpRequest r, AuditApi a) => a.QueryDeploymentAsync(r));
        return api;
    }
}
