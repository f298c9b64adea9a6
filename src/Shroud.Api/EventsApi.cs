using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core.Access;
using Shroud.Core.Events;

namespace Shroud.Api;

/// <summary>Chat events: sealing what is sensitive on the way in (<c>encrypt</c>), revealing it at the outgoing edge.</summary>
public sealed class EventsApi(Gatekeeper gatekeeper, ChatEvents events)
{
    public async Task<Ok<JsonNode>> SealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request.Headers.Authorization, appId, Permissions.Encrypt, ct);
        return TypedResults.Ok(await events.SealAsync(appId, await ShroudJson.ReadNodeAsync(request, ct), ct));
    }

    /// <summary>Any key of the app may call it; only a key with <c>decrypt</c> gets plaintext, every other one the redaction text.</summary>
    public async Task<Ok<JsonNode>> RevealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request.Headers.Authorization, appId, Permissions.None, ct);
        ValuesApi.NoStore(request);
        var body = await ShroudJson.ReadNodeAsync(request, ct);
        return TypedResults.Ok(await events.RevealAsync(appId, body, caller.Permissions.HasFlag(Permissions.Decrypt), caller.Name, ct));
    }
}
