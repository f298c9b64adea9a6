using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core.Access;
using Shroud.Core.Events;
using Shroud.Core.Records;

namespace Shroud.Api;

/// <summary>Chat events: sealing what is sensitive on the way in (<c>encrypt</c>), revealing it at the outgoing edge.</summary>
public sealed class EventsApi(Gatekeeper gatekeeper, ChatEvents events)
{
    public async Task<Ok<JsonNode>> SealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, appId, Permissions.Encrypt);
        return TypedResults.Ok(await events.SealAsync(appId, await ShroudJson.ReadNodeAsync(request, RequestBody.Large, ct), ct));
    }

    /// <summary>Any key of the app may call it; only a key with <c>decrypt</c> gets plaintext, every other one the redaction text.</summary>
    /// <remarks>The answer is the body as sent with each sealed field replaced, written piece by piece: no tree, no second copy.</remarks>
    public async Task<PushStreamHttpResult> RevealAsync(HttpRequest request, string appId)
    {
        var ct = request.HttpContext.RequestAborted;
        var caller = await gatekeeper.AuthorizeAsync(request, appId, Permissions.None);
        var body = await ShroudJson.ReadObjectOrArrayAsync(request, RequestBody.Large, ct);
        var fields = await events.RevealAsync(appId, body, caller.Permissions.HasFlag(Permissions.Decrypt), caller.Name, ct);
        return TypedResults.Stream(
            async stream =>
            {
                var written = 0;
                foreach (var field in fields)
                {
                    await stream.WriteAsync(body[written..field.Start], ct);
                    var value = field.Value;
                    await stream.WriteAsync(!value.Expired && value.ContentType == Vault.JsonContentType ? Encoding.UTF8.GetBytes(value.Value) : ShroudJson.StringValue(value.Value), ct);
                    written = field.End;
                }

                await stream.WriteAsync(body[written..], ct);
            },
            "application/json; charset=utf-8");
    }
}
