using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Shroud.Core;

namespace Shroud.Api;

/// <summary>Turns any failure into an RFC 9457 problem response with a stable <c>code</c>; never a stack trace, never content.</summary>
public static class Problems
{
    public static ProblemHttpResult From(
        ShroudError error, string detail, IReadOnlyDictionary<string, string[]>? errors = null, IReadOnlyDictionary<string, object?>? more = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (errors is not null)
        {
            extensions["errors"] = errors;
        }

        foreach (var (name, value) in more ?? new Dictionary<string, object?>())
        {
            extensions[name] = value;
        }

        return TypedResults.Problem(detail, statusCode: error.Status, title: error.Title, extensions: extensions);
    }

    /// <summary>Maps an exception thrown while handling a request; logs server-side faults by type and status only.</summary>
    public static IResult FromException(Exception exception, HttpContext context, ILogger logger)
    {
        switch (exception)
        {
            case ShroudException { Error.Code: "storage_unavailable" } e:
                return StorageUnavailable(context, e.Message);
            case ShroudException { Error.Code: "channel_unavailable" } e:
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return From(e.Error, e.Message, e.Errors, e.Extensions);
            case ShroudException e:
                return From(e.Error, e.Message, e.Errors, e.Extensions);
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                // The server's own limit, which RequestBody sets to the route's: the same answer as Shroud's check gives.
                return From(ShroudError.BodyTooLarge, "The request body is over this route's limit.");
            case BadHttpRequestException e:
                return TypedResults.Problem("The request was rejected: " + e.Message, statusCode: e.StatusCode, extensions: new Dictionary<string, object?> { ["code"] = ShroudError.BadRequest.Code });
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return TypedResults.Empty;
            case var e when IsStorageOutage(e, context):
                logger.LogWarning("Storage request failed: {ExceptionType} {Status}", exception.GetType().Name, (exception as RequestFailedException)?.Status);
                return StorageUnavailable(context, "Storage did not answer; try again.");
            case RequestFailedException { ErrorCode: "TableNotFound" or "ContainerNotFound" } e:
                logger.LogWarning("Storage resource missing: {Status} {ErrorCode}", e.Status, e.ErrorCode);
                return StorageUnavailable(context, "Shroud's storage tables are missing and could not be created; try again.");
            case RequestFailedException { Status: >= 400 and < 500 } e:
                // Shroud's own request was refused (an oversized batch, a conflict it did not expect): not the caller's
                // mistake, and not a fault inside Shroud either. The storage error code names it; it carries no content.
                logger.LogError("Storage refused a request: {Status} {ErrorCode} while serving {Method} {Route}", e.Status, e.ErrorCode, context.Request.Method, context.GetEndpoint()?.DisplayName);
                return TypedResults.Problem(
                    $"Storage refused a request Shroud made ({e.Status} {e.ErrorCode}).".Replace(" )", ")", StringComparison.Ordinal),
                    statusCode: ShroudError.StorageRejected.Status,
                    title: ShroudError.StorageRejected.Title,
                    extensions: new Dictionary<string, object?> { ["code"] = ShroudError.StorageRejected.Code, ["traceId"] = context.TraceIdentifier });
            default:
                logger.LogError(exception, "Unhandled fault while serving {Method} {Route}", context.Request.Method, context.GetEndpoint()?.DisplayName);
                return TypedResults.Problem("An internal error occurred.", statusCode: ShroudError.InternalError.Status, title: ShroudError.InternalError.Title, extensions: new Dictionary<string, object?> { ["code"] = ShroudError.InternalError.Code, ["traceId"] = context.TraceIdentifier });
        }
    }

    /// <summary>
    /// Writes the problem for a request that routing answered without a body: no route for the path (404), or a route
    /// that does not take the method (405, whose <c>Allow</c> header routing has set).
    /// </summary>
    public static Task ForUnroutedAsync(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => From(ShroudError.NotFound, "No route answers this path; routes are under /api.").ExecuteAsync(context),
        StatusCodes.Status405MethodNotAllowed => From(
            ShroudError.MethodNotAllowed,
            $"This route does not answer {context.Request.Method}; it answers {context.Response.Headers.Allow}.").ExecuteAsync(context),
        _ => Task.CompletedTask,
    };

    /// <summary>503 <c>storage_unavailable</c> with a <c>Retry-After</c> header, so clients and proxies back off.</summary>
    public static ProblemHttpResult StorageUnavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return From(ShroudError.StorageUnavailable, detail);
    }

    /// <summary>How long a client should wait after a storage outage before trying again.</summary>
    public const int RetryAfterSeconds = 5;

    // Storage unreachable, timing out or throttling after the SDK's retries: the SDK throws the last status, or, when
    // every attempt failed without an answer, an AggregateException of the attempts (connection refused, timeouts).
    private static bool IsStorageOutage(Exception exception, HttpContext context) => exception switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } or TimeoutException => true,
        OperationCanceledException => !context.RequestAborted.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsStorageOutage(e, context)),
        _ => false,
    };
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
