using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Shroud.Core;
using Shroud.Storage;

namespace Shroud.Api;

/// <summary>Turns any failure into an RFC 9457 problem response with a stable <c>code</c>; never a stack trace, never content.</summary>
public static class Problems
{
    public static ProblemHttpResult From(ShroudError error, string detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (errors is not null)
        {
            extensions["errors"] = errors;
        }

        return TypedResults.Problem(detail, statusCode: error.Status, title: error.Title, extensions: extensions);
    }

    /// <summary>Maps an exception thrown while handling a request; logs server-side faults by type and status only.</summary>
    public static IResult FromException(Exception exception, HttpContext context, ILogger logger)
    {
        switch (exception)
        {
            case ShroudException e:
                return From(e.Error, e.Message, e.Errors);
            case BadHttpRequestException e:
                return TypedResults.Problem("The request was rejected: " + e.Message, statusCode: e.StatusCode, extensions: new Dictionary<string, object?> { ["code"] = "bad_request" });
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return TypedResults.Empty;
            case StorageException { Status: 0 or 408 or 429 or >= 500 } or TimeoutException:
                logger.LogWarning("Storage request failed: {ExceptionType} {Status}", exception.GetType().Name, (exception as StorageException)?.Status);
                return From(ShroudError.StorageUnavailable, "Storage did not answer; try again.");
            default:
                logger.LogError(exception, "Unhandled fault while serving {Method} {Route}", context.Request.Method, context.GetEndpoint()?.DisplayName);
                return TypedResults.Problem("An internal error occurred.", statusCode: 500, title: "Internal error", extensions: new Dictionary<string, object?> { ["code"] = "internal_error", ["traceId"] = context.TraceIdentifier });
        }
    }
}

/// <summary>The local host's one place that maps exceptions to problem responses.</summary>
public sealed class ProblemFilter(ILogger<ProblemFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e)
        {
            return Problems.FromException(e, context.HttpContext, logger);
        }
    }
}
