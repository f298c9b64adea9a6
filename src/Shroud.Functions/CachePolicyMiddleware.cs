using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>Gives every HTTP answer of the Functions app the <see cref="CachePolicy"/>, as <c>UseShroudApi</c> does in the local host.</summary>
public sealed class CachePolicyMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http)
        {
            CachePolicy.Apply(http.Response);
        }

        return next(context);
    }
}
