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

/// <summary>A response made up by a test policy instead of a real answer from storage.</summary>
public sealed class StatusResponse(int status) : Response
{
    public override int Status => status;

    public override string ReasonPhrase => "Substituted";

    public override bool IsError => status >= 400;

    public override Stream? ContentStream { get; set; } = new MemoryStream();

    public override string ClientRequestId { get; set; } = "";

    public override void Dispose() => ContentStream?.Dispose();

    protected override bool ContainsHeader(string name) => false;

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

    protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        return false;
    }

    protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
    {
        values = null;
        return false;
    }
}
