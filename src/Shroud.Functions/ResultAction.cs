using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Shroud.Functions;

/// <summary>
/// Runs a shared handler's <see cref="IResult"/> as the response: with ASP.NET Core integration the worker executes a
/// function's return value only when it is an <see cref="IActionResult"/>.
/// </summary>
public sealed class ResultAction(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}

public static class ResultActionExtensions
{
    /// <summary>Awaits a handler and wraps its result for the worker.</summary>
    public static async Task<IActionResult> AsActionResult<T>(this Task<T> handler)
        where T : IResult => new ResultAction(await handler);
}
