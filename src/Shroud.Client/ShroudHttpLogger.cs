using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace Shroud.Client;

/// <summary>
/// Logs each attempt by method, path, status and duration: never a header (the key travels in one), a body (values do)
/// or a query string.
/// </summary>
internal sealed partial class ShroudHttpLogger(ILogger logger) : IHttpClientLogger
{
    public object? LogRequestStart(HttpRequestMessage request) => null;

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed) =>
        Answered(logger, request.Method.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, elapsed.TotalMilliseconds);

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        Failed(logger, request.Method.Method, request.RequestUri?.AbsolutePath, exception.GetType().Name, elapsed.TotalMilliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shroud {Method} {Path} answered {Status} in {ElapsedMs:F0} ms")]
    private static partial void Answered(ILogger logger, string method, string? path, int status, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shroud {Method} {Path} failed with {ExceptionType} after {ElapsedMs:F0} ms")]
    private static partial void Failed(ILogger logger, string method, string? path, string exceptionType, double elapsedMs);
}
