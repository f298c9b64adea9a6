using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Shroud.Api.Channels;
using Shroud.Core;
using Shroud.Core.Access;
using Shroud.Core.Channels;
using Shroud.Core.Crypto;
using Shroud.Storage;

namespace Shroud.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>Registers the core services, their storage and the request handlers both hosts call.</summary>
    public static IServiceCollection AddShroudApi(this IServiceCollection services)
    {
        services.AddShroudCore();
        services.AddShroudStorage();
        services.AddSingleton<IValidateOptions<ShroudOptions>, PublishedDevelopmentKeys>();
        services.AddSingleton<IValidateOptions<RootKeyOptions>, PublishedDevelopmentKeys>();
        services.ConfigureHttpJsonOptions(o => ShroudJson.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddSingleton<HealthApi>();
        services.AddSingleton<DocumentApi>();
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
        services.AddSingleton<ConsoleApi>();
        services.AddChannelSending();
        return services;
    }

    /// <summary>
    /// The channels' verifiers, the delivery consumer, and the HTTP clients of both toward tenant-given addresses, each
    /// built on <see cref="ChannelOutboundHandler"/>.
    /// </summary>
    private static IServiceCollection AddShroudChannels(this IServiceCollection services)
    {
        // No loggers: the factory's own would log the forward URL (which may carry a key of the bot's) and the headers.
        services.AddHttpClient(DeliveryWorker.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => ChannelOutboundHandler.Create(sp.GetRequiredService<OutboundAddressPolicy>()))
            .RemoveAllLoggers();
        services.AddHttpClient(ChannelMediaClient.ClientName, c => c.Timeout = ChannelMediaClient.Timeout)
            .ConfigurePrimaryHttpMessageHandler(sp => ChannelOutboundHandler.Create(sp.GetRequiredService<OutboundAddressPolicy>()))
            // The default client logs write request URLs, and media URLs can carry a token.
            .RemoveAllLoggers();
        services.AddSingleton<ChannelMediaClient>();
        services.AddSingleton<IChannelMediaSource, WhatsAppMediaSource>();
        services.AddSingleton<IChannelMediaSource, TelegramMediaSource>();
        services.AddSingleton<IChannelMediaSource, TwilioMediaSource>();
        services.AddSingleton<IChannelMediaSource, SlackMediaSource>();
        services.AddSingleton<IChannelMediaSource, BotFrameworkMediaSource>();
        services.AddSingleton<InboundMediaSealer>();
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

    /// <summary>
    /// Maps every route under <c>/api</c>, exactly as the Functions app declares them, each with its description for the
    /// OpenAPI document (<see cref="RouteDescriptions"/>; regenerate <c>docs/openapi.json</c> after a change, see README).
    /// </summary>
    public static RouteGroupBuilder MapShroudApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/" + Routes.Prefix).AddEndpointFilter<ProblemFilter>();
        api.MapMethods(Routes.Health, [HttpMethods.Get, HttpMethods.Head], (HttpRequest r, HealthApi h) => h.CheckAsync(r))
            .Describe("Health", "Health", "Whether Shroud's tables and media container answer", RouteAccess.Anonymous)
            .Answers<HealthResponse>().Fails(ShroudError.StorageUnavailable);
        api.MapGet(Routes.OpenApi, (HttpRequest r, DocumentApi d) => d.GetAsync(r))
            .Describe("GetOpenApiDocument", "Document", "This OpenAPI document", RouteAccess.Anonymous)
            .Answers<JsonObject>();
        api.MapPost(Routes.Apps, (HttpRequest r, AppsApi a) => a.CreateAppAsync(r))
            .Describe("CreateApp", "Apps", "Creates an app and its first app KEK", RouteAccess.Bootstrap)
            .Body<CreateAppRequest>().Fails(ShroudError.AppExists);
        api.MapGet(Routes.Apps, (HttpRequest r, AppsApi a) => a.ListAppsAsync(r))
            .Describe("ListApps", "Apps", "Lists the deployment's apps, 100 a page", RouteAccess.Bootstrap)
            .Query(AppsApi.ContinuationTokenParameter, "The token a previous page returned.").Fails(ShroudError.ValidationFailed);
        api.MapPost(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.CreateKeyAsync(r, appId))
            .Describe("CreateKey", "Keys", "Creates an API key; its secret is answered this once", RouteAccess.AppKey(Permissions.Admin))
            .Body<CreateKeyRequest>();
        api.MapGet(Routes.AppKeys, (HttpRequest r, string appId, AppsApi a) => a.ListKeysAsync(r, appId))
            .Describe("ListKeys", "Keys", "Lists the app's API keys, without secrets", RouteAccess.AppKey(Permissions.Admin));
        api.MapDelete(Routes.AppKey, (HttpRequest r, string appId, string keyId, AppsApi a) => a.RevokeKeyAsync(r, appId, keyId))
            .Describe("RevokeKey", "Keys", "Revokes an API key", RouteAccess.AppKey(Permissions.Admin))
            .Fails(ShroudError.KeyNotFound);
        api.MapPost(Routes.Encrypt, (HttpRequest r, string appId, ValuesApi v) => v.EncryptAsync(r, appId))
            .Describe("Encrypt", "Values", "Seals one value, or a batch of up to 100 (items)", RouteAccess.AppKey(Permissions.Encrypt))
            .Body<EncryptRequest>().AnswersOneOf<EncryptResponse, ItemsResponse<EncryptResponse>>()
            .Fails(ShroudError.BatchTooLarge, ShroudError.ValueTooLarge);
        api.MapPost(Routes.Decrypt, (HttpRequest r, string appId, ValuesApi v) => v.DecryptAsync(r, appId))
            .Describe("Decrypt", "Values", "Reveals one reference, or a batch of up to 100 (refs); an expired one answers the redaction text with expired: true", RouteAccess.AppKey(Permissions.Decrypt))
            .Body<DecryptRequest>().AnswersOneOf<DecryptResponse, ItemsResponse<DecryptResponse>>()
            .Fails(ShroudError.BatchTooLarge, ShroudError.InvalidReference);
        api.MapGet(Routes.AppKek, (HttpRequest r, string appId, AppsApi a) => a.ListKeksAsync(r, appId))
            .Describe("ListKeks", "App KEKs", "Lists the app KEK versions, newest first (never key material)", RouteAccess.AppKey(Permissions.Admin));
        api.MapPost(Routes.AppKekRotate, (HttpRequest r, string appId, AppsApi a) => a.RotateKekAsync(r, appId))
            .Describe("RotateKek", "App KEKs", "Rotates the app KEK now and lists the versions", RouteAccess.AppKey(Permissions.Admin));
        api.MapPost(Routes.MaintenanceRun, (HttpRequest r, MaintenanceApi m) => m.RunAsync(r))
            .Describe("RunMaintenance", "Maintenance", "Runs the maintenance job now and answers its counts", RouteAccess.Bootstrap);
        api.MapGet(Routes.App, (HttpRequest r, string appId, AppsApi a) => a.GetAppAsync(r, appId))
            .Describe("GetApp", "Apps", "The app's settings", RouteAccess.AppKey(Permissions.Configure))
            .ETagged();
        api.MapPatch(Routes.App, (HttpRequest r, string appId, AppsApi a) => a.PatchAppAsync(r, appId))
            .Describe("PatchApp", "Apps", "Changes the default configuration and the redaction text (null: back to the default)", RouteAccess.AppKey(Permissions.Configure))
            .Body<AppSettingsPatch>().ETagged(ifMatch: true);
        api.MapGet(Routes.Configurations, (HttpRequest r, string appId, ConfigurationsApi c) => c.ListAsync(r, appId))
            .Describe("ListConfigurations", "Configurations", "Lists the app's encryption configurations", RouteAccess.AppKey(Permissions.Configure));
        api.MapPost(Routes.Configurations, (HttpRequest r, string appId, ConfigurationsApi c) => c.CreateAsync(r, appId))
            .Describe("CreateConfiguration", "Configurations", "Creates an encryption configuration", RouteAccess.AppKey(Permissions.Configure))
            .Body<ConfigurationRequest>().ETagged().Fails(ShroudError.ConfigurationNameTaken);
        api.MapGet(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.GetAsync(r, appId, configurationId))
            .Describe("GetConfiguration", "Configurations", "Reads a configuration", RouteAccess.AppKey(Permissions.Configure))
            .ETagged().Fails(ShroudError.ConfigurationNotFound);
        api.MapPut(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.ReplaceAsync(r, appId, configurationId))
            .Describe("ReplaceConfiguration", "Configurations", "Replaces a configuration; fields left out take their defaults", RouteAccess.AppKey(Permissions.Configure))
            .Body<ConfigurationRequest>().ETagged(ifMatch: true).Fails(ShroudError.ConfigurationNotFound, ShroudError.ConfigurationNameTaken);
        api.MapPatch(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.PatchAsync(r, appId, configurationId))
            .Describe("PatchConfiguration", "Configurations", "Changes a configuration with a JSON merge patch (RFC 7396)", RouteAccess.AppKey(Permissions.Configure))
            .Body<ConfigurationRequest>(ShroudJson.MergePatchMediaType).ETagged(ifMatch: true).Fails(ShroudError.ConfigurationNotFound, ShroudError.ConfigurationNameTaken);
        api.MapDelete(Routes.Configuration, (HttpRequest r, string appId, string configurationId, ConfigurationsApi c) => c.DeleteAsync(r, appId, configurationId))
            .Describe("DeleteConfiguration", "Configurations", "Deletes a configuration that is neither the default nor in use", RouteAccess.AppKey(Permissions.Configure))
            .ETagged(ifMatch: true).Fails(ShroudError.ConfigurationNotFound, ShroudError.ConfigurationInUse);
        api.MapGet(Routes.Channels, (HttpRequest r, string appId, ChannelsApi c) => c.ListAsync(r, appId))
            .Describe("ListChannels", "Channels", "Lists the app's channels; secrets show as names only", RouteAccess.AppKey(Permissions.Configure));
        api.MapPost(Routes.Channels, (HttpRequest r, string appId, ChannelsApi c) => c.CreateAsync(r, appId))
            .Describe("CreateChannel", "Channels", "Creates a channel; its forward secret is answered this once", RouteAccess.AppKey(Permissions.Configure))
            .Body<ChannelRequest>().ETagged();
        api.MapGet(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.GetAsync(r, appId, channelId))
            .Describe("GetChannel", "Channels", "Reads a channel", RouteAccess.AppKey(Permissions.Configure))
            .ETagged().Fails(ShroudError.ChannelNotFound);
        api.MapPut(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.ReplaceAsync(r, appId, channelId))
            .Describe("ReplaceChannel", "Channels", "Replaces a channel, with every secret of its type", RouteAccess.AppKey(Permissions.Configure))
            .Body<ChannelRequest>().ETagged(ifMatch: true).Fails(ShroudError.ChannelNotFound);
        api.MapPatch(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.PatchAsync(r, appId, channelId))
            .Describe("PatchChannel", "Channels", "Changes a channel with a JSON merge patch (RFC 7396); secrets not named are kept", RouteAccess.AppKey(Permissions.Configure))
            .Body<ChannelRequest>(ShroudJson.MergePatchMediaType).ETagged(ifMatch: true).Fails(ShroudError.ChannelNotFound);
        api.MapDelete(Routes.Channel, (HttpRequest r, string appId, string channelId, ChannelsApi c) => c.DeleteAsync(r, appId, channelId))
            .Describe("DeleteChannel", "Channels", "Deletes a channel", RouteAccess.AppKey(Permissions.Configure))
            .ETagged(ifMatch: true).Fails(ShroudError.ChannelNotFound);
        api.MapMethods(Routes.ChannelWebhook, [HttpMethods.Post, HttpMethods.Get], (HttpRequest r, string appId, string channelId, ChannelWebhookApi w) => w.ReceiveAsync(r, appId, channelId))
            .Describe("ReceiveChannelWebhook", "Channels", "The channel's webhook: verified with the channel's own signature scheme (no Shroud key), sealed in the channel's shape, stored and queued for delivery; a handshake (Slack url_verification, WhatsApp GET) answers its challenge as text/plain", RouteAccess.Anonymous)
            .Fails(ShroudError.Unauthorized, ShroudError.BodyTooLarge, ShroudError.StorageUnavailable);
        api.MapGet(Routes.ChannelDeliveries, (HttpRequest r, string appId, string channelId, DeliveriesApi d) => d.ListAsync(r, appId, channelId))
            .Describe("ListDeliveries", "Channels", "The channel's deliveries to the bot of one status (status=failed), newest first, a page at a time", RouteAccess.AppKey(Permissions.Configure))
            .Query("status", "pending, delivered or failed.").Query("pageSize", "Deliveries in a page.", "integer").Query("continuationToken", "The token a previous page returned.")
            .Answers<DeliveryPageResponse>().Fails(ShroudError.ChannelNotFound, ShroudError.ValidationFailed);
        api.MapPost(Routes.ChannelDeliveryRetry, (HttpRequest r, string appId, string channelId, string deliveryId, DeliveriesApi d) => d.RetryAsync(r, appId, channelId, deliveryId))
            .Describe("RetryDelivery", "Channels", "Queues a failed delivery again", RouteAccess.AppKey(Permissions.Configure))
            .Answers<DeliveryResponse>(StatusCodes.Status202Accepted).Fails(ShroudError.ChannelNotFound, ShroudError.DeliveryNotFound, ShroudError.DeliveryNotFailed, ShroudError.DeliveryExpired);
        api.MapPost(Routes.ChannelMessages, (HttpRequest r, string appId, string channelId, ChannelMessagesApi m) => m.SendAsync(r, appId, channelId))
            .Describe("SendChannelMessage", "Channels", "Sends the channel's own send payload through the channel's API, revealing its sealed fields toward the channel only; answers the channel's status and message id", RouteAccess.AppKey(Permissions.Send))
            .Body<JsonObject>().Answers<ChannelMessageResponse>()
            .Fails(
                ShroudError.ChannelNotFound, ShroudError.InvalidReference, ShroudError.BatchTooLarge, ShroudError.ChannelCannotSend, ShroudError.MediaNotSupported,
                ShroudError.MediaGone, ShroudError.ChannelError, ShroudError.ChannelUnavailable, ShroudError.ChannelTimeout);
        api.MapPut(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.StartAsync(r, appId, conversationId))
            .Describe("StartConversationEncryption", "Conversations", "Starts encrypting a conversation with a configuration", RouteAccess.AppKey(Permissions.Encrypt))
            .Body<ConversationEncryptionRequest>();
        api.MapGet(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.GetAsync(r, appId, conversationId))
            .Describe("GetConversationEncryption", "Conversations", "Whether a conversation is encrypting, and with which configuration", RouteAccess.AppKey(Permissions.Encrypt))
            .Fails(ShroudError.ValidationFailed);
        api.MapDelete(Routes.ConversationEncryption, (HttpRequest r, string appId, string conversationId, ConversationsApi c) => c.EndAsync(r, appId, conversationId))
            .Describe("EndConversationEncryption", "Conversations", "Ends a conversation's encryption", RouteAccess.AppKey(Permissions.Encrypt))
            .Fails(ShroudError.ValidationFailed);
        api.MapPost(Routes.Events, (HttpRequest r, string appId, EventsApi e) => e.SealAsync(r, appId))
            .Describe("SealEvent", "Events", "Seals the sensitive fields of a chat event (a JSON object or array)", RouteAccess.AppKey(Permissions.Encrypt))
            .Body<JsonNode>().Fails(ShroudError.ValueTooLarge);
        api.MapPost(Routes.EventsReveal, (HttpRequest r, string appId, EventsApi e) => e.RevealAsync(r, appId))
            .Describe("RevealEvent", "Events", "Answers a sealed event with its fields revealed (decrypt) or redacted (any other key)", RouteAccess.AnyAppKey)
            .Body<JsonNode>().Answers<JsonNode>().Fails(ShroudError.InvalidReference);
        api.MapPost(Routes.Media, (HttpRequest r, string appId, MediaApi m) => m.SealAsync(r, appId))
            .Describe("SealMedia", "Media", "Seals a file sent as the raw request body with its own Content-Type", RouteAccess.AppKey(Permissions.Encrypt))
            .Body<Stream>("application/octet-stream")
            .Header(MediaApi.FileNameHeader, "The file's name, percent-encoded; answered with the file as its download name.")
            .Header(MediaApi.TtlHeader, "The TTL as an ISO-8601 duration such as PT1H; the app's default when absent.")
            .Fails(ShroudError.ValidationFailed, ShroudError.MediaTooLarge, ShroudError.BodyTooLarge, ShroudError.UnsupportedMediaType);
        api.MapPost(Routes.MediaReveal, (HttpRequest r, string appId, MediaApi m) => m.RevealAsync(r, appId))
            .Describe("RevealMedia", "Media", "Streams a sealed file back with its Content-Type, as an attachment", RouteAccess.AppKey(Permissions.Decrypt))
            .Body<DecryptRequest>().Answers<Stream>(contentType: "application/octet-stream")
            .Fails(ShroudError.InvalidReference, ShroudError.MediaGone);
        api.MapGet(Routes.AppAudit, (HttpRequest r, string appId, AuditApi a) => a.QueryAppAsync(r, appId))
            .Describe("QueryAppAudit", "Audit", "The app's audit records, oldest first, a page at a time", RouteAccess.AppKey(Permissions.Admin))
            .AuditQuery();
        api.MapGet(Routes.AppAuditVerify, (HttpRequest r, string appId, AuditApi a) => a.VerifyAppAsync(r, appId))
            .Describe("VerifyAppAudit", "Audit", "Checks the app's audit records for gaps and changes", RouteAccess.AppKey(Permissions.Admin))
            .Query("from", "Start of the range (ISO-8601); a day before to when absent.", format: "date-time")
            .Query("to", "End of the range (ISO-8601); now when absent.", format: "date-time")
            .Fails(ShroudError.ValidationFailed);
        api.MapGet(Routes.Audit, (HttpRequest r, AuditApi a) => a.QueryDeploymentAsync(r))
            .Describe("QueryDeploymentAudit", "Audit", "The deployment's audit records (apps created, bootstrap key use)", RouteAccess.Bootstrap)
            .AuditQuery();
        api.MapGet(Routes.Console, (HttpRequest r, string? path, ConsoleApi c) => c.ServeAsync(r, path))
            .Describe("GetConsoleFile", "Console", "The admin console's static files (index at console/)", RouteAccess.Anonymous)
            .Answers<Stream>(contentType: "text/html").Fails(ShroudError.NotFound);
        return api;
    }

    private static RouteHandlerBuilder AuditQuery(this RouteHandlerBuilder route) => route
        .Query("from", "Start of the range (ISO-8601); a day before to when absent.", format: "date-time")
        .Query("to", "End of the range (ISO-8601); now when absent.", format: "date-time")
        .Query("action", "Only records of this action, such as value.decrypt.")
        .Query("keyId", "Only records of this key.")
        .Query("pageSize", $"Most records in a page, 1 to {AuditApi.MaxPageSize} ({AuditApi.MaxPageSize} when absent); a page may hold fewer, even none, while a token follows.", "integer")
        .Query("continuationToken", "The token a previous page returned.")
        .Fails(ShroudError.ValidationFailed);
}
