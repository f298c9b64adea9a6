using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Records the most storage reads in flight at once; each is held a little so that reads sent together overlap.</summary>
public sealed class ConcurrencyMeter(TimeSpan hold) : HttpPipelinePolicy
{
    private int inFlight;
    private int peak;

    public int Peak => Volatile.Read(ref peak);

    public void Reset() => Interlocked.Exchange(ref peak, 0);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The storage client is asynchronous.");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        // Reads only: a reveal's audit write goes out beside its reads by design.
        if (message.Request.Method != RequestMethod.Get)
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }

        var now = Interlocked.Increment(ref inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
        {
        }

        try
        {
            await Task.Delay(hold, message.CancellationToken);
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }
}
