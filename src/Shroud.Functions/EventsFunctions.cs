using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>Chat events: sealed on the way in, revealed (or redacted) at the outgoing edge.</summary>
public sealed class EventsFunctions(EventsApi events)
{
    [Function(nameof(SealEvents))]
    public Task<IActionResult> SealEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Events)] HttpRequest request, string appId) =>
        events.SealAsync(request, appId).AsActionResult();

    [Function(nameof(RevealEvents))]
    public Task<IActionResult> RevealEvents([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.EventsReveal)] HttpRequest request, string appId) =>
        events.RevealAsync(request, appId).AsActionResult();
}
