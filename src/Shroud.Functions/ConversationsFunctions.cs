using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>Per-conversation encryption: start it with a configuration, read it, end it.</summary>
public sealed class ConversationsFunctions(ConversationsApi conversations)
{
    [Function(nameof(StartConversationEncryption))]
    public Task<IActionResult> StartConversationEncryption([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.ConversationEncryption)] HttpRequest request, string appId, string conversationId) =>
        conversations.StartAsync(request, appId, conversationId).AsActionResult();

    [Function(nameof(GetConversationEncryption))]
    public Task<IActionResult> GetConversationEncryption([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ConversationEncryption)] HttpRequest request, string appId, string conversationId) =>
        conversations.GetAsync(request, appId, conversationId).AsActionResult();

    [Function(nameof(EndConversationEncryption))]
    public Task<IActionResult> EndConversationEncryption([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.ConversationEncryption)] HttpRequest request, string appId, string conversationId) =>
        conversations.EndAsync(request, appId, conversationId).AsActionResult();
}
