using Microsoft.AspNetCore.Http;
using Shroud.Storage;

namespace Shroud.Api;

/// <summary>
/// <c>GET /api/health</c>: anonymous; 200 when Shroud's tables and media container answer (a missing one is created on
/// the way, as on any route), 503 when storage cannot be reached or they cannot be created.
/// </summary>
public sealed class HealthApi(StorageAccount storage)
{
    public async Task<IResult> CheckAsync(HttpRequest request)
    {
        await RequestBody.EnsureEmptyAsync(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await storage.CheckAsync(timeout.Token);
            return TypedResults.Ok(new HealthResponse("healthy"));
        }
        catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return Problems.StorageUnavailable(request.HttpContext, "Storage does not answer, or Shroud's tables cannot be created.");
        }
    }
}
