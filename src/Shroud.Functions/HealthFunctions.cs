using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary><c>GET</c> and <c>HEAD /api/health</c>, anonymous.</summary>
public sealed class HealthFunctions(HealthApi health)
{
    [Function(nameof(Health))]
    public Task<IActionResult> Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = Routes.Health)] HttpRequest request) =>
        health.CheckAsync(request).AsActionResult();
}
