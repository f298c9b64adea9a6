using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>The admin console's static files, anonymous (the console calls the API with the key its user types).</summary>
public sealed class ConsoleFunctions(ConsoleApi console)
{
    [Function(nameof(ServeConsole))]
    public Task<IActionResult> ServeConsole([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Console)] HttpRequest request, string? path) =>
        console.ServeAsync(request, path).AsActionResult();
}
