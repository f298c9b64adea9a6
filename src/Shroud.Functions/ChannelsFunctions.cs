using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>An app's chat channels.</summary>
public sealed class ChannelsFunctions(ChannelsApi channels, ChannelMessagesApi messages, ChannelWebhookApi webhooks, DeliveriesApi deliveries)
{
    [Function(nameof(ListChannels))]
    public Task<IActionResult> ListChannels([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Channels)] HttpRequest request, string appId) =>
        channels.ListAsync(request, appId).AsActionResult();

    [Function(nameof(CreateChannel))]
    public Task<IActionResult> CreateChannel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Channels)] HttpRequest request, string appId) =>
        channels.CreateAsync(request, appId).AsActionResult();

    [Function(nameof(GetChannel))]
    public Task<IActionResult> GetChannel([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Channel)] HttpRequest request, string appId, string channelId) =>
        channels.GetAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(ReplaceChannel))]
    public Task<IActionResult> ReplaceChannel([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.Channel)] HttpRequest request, string appId, string channelId) =>
        channels.ReplaceAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(PatchChannel))]
    public Task<IActionResult> PatchChannel([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.Channel)] HttpRequest request, string appId, string channelId) =>
        channels.PatchAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(DeleteChannel))]
    public Task<IActionResult> DeleteChannel([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.Channel)] HttpRequest request, string appId, string channelId) =>
        channels.DeleteAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(SendChannelMessage))]
    public Task<IActionResult> SendChannelMessage([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ChannelMessages)] HttpRequest request, string appId, string channelId) =>
        messages.SendAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(ChannelWebhook))]
    public Task<IActionResult> ChannelWebhook([HttpTrigger(AuthorizationLevel.Anonymous, "post", "get", Route = Routes.ChannelWebhook)] HttpRequest request, string appId, string channelId) =>
        webhooks.ReceiveAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(ListDeliveries))]
    public Task<IActionResult> ListDeliveries([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ChannelDeliveries)] HttpRequest request, string appId, string channelId) =>
        deliveries.ListAsync(request, appId, channelId).AsActionResult();

    [Function(nameof(RetryDelivery))]
    public Task<IActionResult> RetryDelivery([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.ChannelDeliveryRetry)] HttpRequest request, string appId, string channelId, string deliveryId) =>
        deliveries.RetryAsync(request, appId, channelId, deliveryId).AsActionResult();
}
