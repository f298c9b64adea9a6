using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Shroud.Api;

namespace Shroud.Functions;

/// <summary>
/// The Functions app's one place that maps exceptions to RFC 9457 problem responses, as <see cref="ProblemFilter"/>
/// does in the local host. Failures of the timer have no HTTP context and go to the Functions host as they are.
/// </summary>
public sealed class ProblemMiddleware(ILogger<ProblemMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is not null)
        {
            context.GetInvocationResult().Value = new ResultAction(Problems.FromException(e, context.GetHttpContext()!, logger));
        }
    }
}
