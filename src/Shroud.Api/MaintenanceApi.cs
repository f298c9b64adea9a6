using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Shroud.Core.Access;
using Shroud.Core.Maintenance;

namespace Shroud.Api;

/// <summary><c>POST /api/maintenance/run</c>: runs the maintenance job now (bootstrap admin key) and answers its counts.</summary>
public sealed class MaintenanceApi(Gatekeeper gatekeeper, MaintenanceJob job)
{
    public async Task<Ok<MaintenanceReport>> RunAsync(HttpRequest request)
    {
        await RequestBody.EnsureEmptyAsync(request);
        var ct = request.HttpContext.RequestAborted;
        await gatekeeper.AuthorizeAsync(request, null, Permissions.Admin);
        return TypedResults.Ok(await job.RunAsync(MaintenanceTasks.All, Gatekeeper.BootstrapKeyId, ct));
    }
}
