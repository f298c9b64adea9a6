using System.Net;
using System.Text.Json;

namespace Shroud.Client;

/// <summary>
/// A problem Shroud answered (RFC 9457 with a stable <see cref="Code"/>), or one the client raises itself
/// (<see cref="ValueExpiredCode"/>). The message carries the code and detail only: never a value or a key.
/// </summary>
public sealed class ShroudException : Exception
{
    /// <summary>Raised by <see cref="ShroudClient.DecryptAsync(string, CancellationToken)"/> for a value past its TTL (the service answers its redaction text).</summary>
    public const string ValueExpiredCode = "value_expired";

    public ShroudException(int status, string code, string? detail, string? title = null, TimeSpan? retryAfter = null, IReadOnlyDictionary<string, string[]>? errors = null)
        : base($"Shroud answered {status} {code}: {detail ?? title}")
    {
        Status = status;
        Code = code;
        Detail = detail;
        Title = title;
        RetryAfter = retryAfter;
        Errors = errors;
    }

    /// <summary>The HTTP status, such as 400, 412 or 503.</summary>
    public int Status { get; }

    /// <summary>The failure kind, such as <c>validation_failed</c>, <c>precondition_failed</c> or <c>storage_unavailable</c>.</summary>
    public string Code { get; }

    /// <summary>What went wrong with this request.</summary>
    public string? Detail { get; }

    public string? Title { get; }

    /// <summary>How long the service asked to wait before trying again (503), once the client's own retries are spent.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>For <c>validation_failed</c>: each field path and what is wrong with it.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; }

    /// <summary>Reads the problem of a failed answer; an answer that is not a problem (a proxy's page) keeps its status with code <c>http_{status}</c>.</summary>
    internal static async Task<ShroudException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response);
        Problem? problem = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            problem = text.Length > 0 ? JsonSerializer.Deserialize<Problem>(text, ClientJson.Options) : null;
        }
        catch (JsonException)
        {
        }

        return new ShroudException(
            problem?.Status ?? status,
            problem?.Code ?? $"http_{status}",
            problem?.Detail ?? response.ReasonPhrase,
            problem?.Title,
            retryAfter,
            problem?.Errors);
    }

    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
        _ => null,
    };

    internal static ShroudException Expired() =>
        new((int)HttpStatusCode.Gone, ValueExpiredCode, "The value has expired; only its redaction text remains.", "The value has expired.");
}

internal sealed record Problem(string? Type, string? Title, int? Status, string? Detail, string? Code, Dictionary<string, string[]>? Errors);
