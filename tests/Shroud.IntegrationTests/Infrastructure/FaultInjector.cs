using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>
/// Simulates a host stopping mid-work: once armed, the n-th storage request (counting from 1) cancels the host's
/// token, either before the request is sent or after storage has acted on it but before the answer is read.
/// </summary>
public sealed class FaultInjector : HttpPipelinePolicy
{
    private int remaining = int.MaxValue;
    private bool afterSending;
    private CancellationTokenSource? stopping;

    /// <summary>Arms the fault; returns the token that stands for the host's shutdown.</summary>
    public CancellationToken Arm(int stopAt, bool afterSending)
    {
        this.afterSending = afterSending;
        stopping = new CancellationTokenSource();
        Interlocked.Exchange(ref remaining, stopAt);
        return stopping.Token;
    }

    public void Disarm() => Interlocked.Exchange(ref remaining, int.MaxValue);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage client is asynchronous.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var stopHere = Interlocked.Decrement(ref remaining) == 0;
        if (stopHere && !afterSending)
        {
            Stop();
        }

        await ProcessNextAsync(message, pipeline);
        if (stopHere)
        {
            Stop();
        }
    }

    private void Stop()
    {
        stopping!.Cancel();
        stopping.Token.ThrowIfCancellationRequested();
    }
}
