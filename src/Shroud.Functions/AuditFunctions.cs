using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>The audit trail: an app's stream and its verification, and the deployment stream.</summary>
public sealed class AuditFunctions(AuditApi audit)
{
    [Function(nameof(QueryAppAudit))]
    public Task<IActionResult> QueryAppAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.AppAudit)] HttpRequest request, string appId) =>
        audit.QueryAppAsync(request, appId).AsActionResult();

    [Function(nameof(VerifyAppAudit))]
    public Task<IActionResult> VerifyAppAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.AppAuditVerify)] HttpRequest request, string appId) =>
        audit.VerifyAppAsync(request, appId).AsActionResult();

    [Function(nameof(QueryDeploymentAudit))]
    public Task<IActionResult> QueryDeploymentAudit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Audit)] HttpRequest request) =>
        audit.QueryDeploymentAsync(request).AsActionResult();
}
