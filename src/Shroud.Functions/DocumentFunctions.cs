using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary><c>GET /api/openapi.json</c>, anonymous: the committed OpenAPI document.</summary>
public sealed class DocumentFunctions(DocumentApi document)
{
    [Function(nameof(OpenApiDocument))]
    public Task<IActionResult> OpenApiDocument([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.OpenApi)] HttpRequest request) =>
        document.GetAsync(request).AsActionResult();
}
