using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary><c>encrypt</c> and <c>decrypt</c>, single and batch.</summary>
public sealed class ValuesFunctions(ValuesApi values)
{
    [Function(nameof(Encrypt))]
    public Task<IActionResult> Encrypt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Encrypt)] HttpRequest request, string appId) =>
        values.EncryptAsync(request, appId).AsActionResult();

    [Function(nameof(Decrypt))]
    public Task<IActionResult> Decrypt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Decrypt)] HttpRequest request, string appId) =>
        values.DecryptAsync(request, appId).AsActionResult();
}
