using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Once armed, answers the next attempt with 503 without sending it.</summary>
public sealed class FailFirstAttemptPolicy : HttpPipelinePolicy
{
    private int _attempts = -1;

    public int Attempts => Volatile.Read(ref _attempts);

    public void Arm() => Volatile.Write(ref _attempts, 0);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Volatile.Read(ref _attempts) >= 0 && Interlocked.Increment(ref _attempts) == 1)
        {
            message.Response = new StatusResponse(503);
            return;
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>
/// Once armed, lets the next request that <paramref name="matches"/> reach storage and then loses its answer (an
/// <see cref="IOException"/>, as a dropped connection), so the SDK's retry sends it again.
/// </summary>
public sealed class LoseAnswerPolicy(Func<Request, bool> matches) : HttpPipelinePolicy
{
    private int armed;

    public int Lost { get; private set; }

    public void Arm() => Volatile.Write(ref armed, 1);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var lose = matches(message.Request) && Interlocked.Exchange(ref armed, 0) == 1;
        await ProcessNextAsync(message, pipeline);
        if (lose)
        {
            Lost++;
            throw new IOException($"Test: the answer to {message.Request.Method} {message.Request.Uri.Path} (status {message.Response.Status}) was lost.");
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>Once armed, answers the next request that <paramref name="matches"/> with a made-up error, without sending it.</summary>
public sealed class RefuseRequestPolicy(Func<Request, bool> matches, int status, string errorCode) : HttpPipelinePolicy
{
    private int armed;

    public void Arm() => Volatile.Write(ref armed, 1);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (matches(message.Request) && Interlocked.Exchange(ref armed, 0) == 1)
        {
            message.Response = new StatusResponse(status, errorCode);
            return;
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>While <see cref="Refusing"/>, answers every request that <paramref name="matches"/> with <paramref name="status"/>, without sending it.</summary>
public sealed class RefuseWhilePolicy(Func<Request, bool> matches, int status) : HttpPipelinePolicy
{
    private int refused;

    public volatile bool Refusing;

    public int Refused => Volatile.Read(ref refused);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Refusing && matches(message.Request))
        {
            Interlocked.Increment(ref refused);
            message.Response = new StatusResponse(status);
            return;
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>A response made up by a test policy instead of a real answer from storage, with storage's error code header when given.</summary>
public sealed class StatusResponse(int status, string? errorCode = null) : Response
{
    private const string ErrorCodeHeader = "x-ms-error-code";

    public override int Status => status;

    public override string ReasonPhrase => "Substituted";

    public override bool IsError => status >= 400;

    // Storage names the error in a header and, for tables, in an OData body; the SDK reads the code from either.
    public override Stream? ContentStream { get; set; } = new MemoryStream(errorCode is null ? [] : System.Text.Encoding.UTF8.GetBytes(
        "{\"odata.error\":{\"code\":\"" + errorCode + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"Substituted by a test.\"}}}"));

    public override string ClientRequestId { get; set; } = "";

    // Nothing to release, and the SDK reads the content of an error answer for its exception after disposing it.
    public override void Dispose()
    {
    }

    protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => errorCode is null ? [] : [new HttpHeader(ErrorCodeHeader, errorCode)];

    protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = string.Equals(name, ErrorCodeHeader, StringComparison.OrdinalIgnoreCase) ? errorCode : null;
        return value is not null;
    }

    protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
    {
        values = TryGetHeader(name, out var value) ? [value] : null;
        return values is not null;
    }
}

/// <summary>Holds each request that <paramref name="matches"/> for <paramref name="hold"/> before sending it: a slow storage call.</summary>
public sealed class DelayPolicy(Func<Request, bool> matches, TimeSpan hold) : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (matches(message.Request))
        {
            await Task.Delay(hold, message.CancellationToken);
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>
/// Once armed, holds each request that <paramref name="matches"/> until <paramref name="parties"/> of them have arrived
/// (or 10 s have passed), then lets them all go at once: two instances' writes that would otherwise rarely overlap meet.
/// </summary>
public sealed class RendezvousPolicy(Func<Request, bool> matches, int parties) : HttpPipelinePolicy
{
    private readonly TaskCompletionSource met = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int arrived = -1;

    /// <summary>Whether all parties arrived together.</summary>
    public bool Met => met.Task.IsCompleted;

    public void Arm() => Volatile.Write(ref arrived, 0);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Volatile.Read(ref arrived) >= 0 && matches(message.Request))
        {
            if (Interlocked.Increment(ref arrived) == parties)
            {
                met.TrySetResult();
            }

            await Task.WhenAny(met.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        }

        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage clients are asynchronous.");
}

/// <summary>
/// Records the <c>$filter</c> of every query sent to tables whose name ends with <paramref name="tableSuffix"/>, so a
/// test can work out what Table Storage would have to read for it: every row in the partition-key range it names.
/// </summary>
public sealed class QueryRecorder(string tableSuffix) : HttpPipelineSynchronousPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> filters = new();

    public IReadOnlyList<string> Filters => filters.ToArray();

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        if (request.Method == RequestMethod.Get && request.Uri.Path.TrimEnd(')', '(').EndsWith(tableSuffix, StringComparison.Ordinal))
        {
            var query = System.Web.HttpUtility.ParseQueryString(request.Uri.Query);
            filters.Enqueue(query["$filter"] ?? "");
        }
    }

    /// <summary>
    /// Whether Table Storage reads a row of <paramref name="partitionKey"/> to answer <paramref name="filter"/>: it seeks by
    /// the bounds the filter sets on PartitionKey (joined by <c>and</c>) and reads every row between them; a filter with
    /// no such bound reads the whole table.
    /// </summary>
    public static bool Reads(string filter, string partitionKey) =>
        System.Text.RegularExpressions.Regex.Matches(filter, "PartitionKey (lt|le|gt|ge|eq) '([^']*)'").All(bound =>
        {
            var order = string.CompareOrdinal(partitionKey, bound.Groups[2].Value);
            return bound.Groups[1].Value switch
            {
                "lt" => order < 0,
                "le" => order <= 0,
                "gt" => order > 0,
                "ge" => order >= 0,
                _ => order == 0,
            };
        });
}
