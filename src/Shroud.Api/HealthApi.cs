using Microsoft.AspNetCore.Http;
using Shroud.Core;

namespace Shroud.Api;

/// <summary><c>GET /api/health</c>: anonymous; 200 when storage answers, 503 otherwise.</summary>
public sealed class HealthApi(ShroudStorage storage)
{
    public async Task<IResult> CheckAsync(HttpRequest request)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await storage.Tables.PingAsync(timeout.Token);
            return TypedResults.Ok(new HealthResponse("healthy"));
        }
        catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return Problems.From(ShroudError.StorageUnavailable, "Storage does not answer.");
        }
    }
}
