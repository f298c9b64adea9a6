using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.Storage;

/// <summary>
/// Heals a storage account that lost Shroud's tables, media container or delivery queue while Shroud runs (an account reset, a fresh
/// emulator): a request answered <c>TableNotFound</c>, <c>ContainerNotFound</c> or <c>QueueNotFound</c> creates them and is sent once more,
/// instead of failing until a restart. A pipeline policy, so every call of every store gets it in one place; only
/// entity-group transactions, which report a missing table inside their batch answer, need <see cref="TableTransactions"/>.
/// </summary>
internal sealed class MissingResourcePolicy(Func<CancellationToken, Task> create) : HttpPipelinePolicy
{
    private static readonly HashSet<string> MissingCodes = ["TableNotFound", "ContainerNotFound", "QueueNotFound"];

    // Set while this policy creates the resources: their own requests pass straight through.
    private static readonly AsyncLocal<bool> Creating = new();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        if (!Creating.Value && IsMissing(message))
        {
            Creating.Value = true;
            try
            {
                await create(message.CancellationToken);
            }
            catch (RequestFailedException)
            {
                // Storage refused to create them (no right to, or it is failing): the request keeps its own answer, the
                // missing table or container, which callers report as storage being unavailable.
                return;
            }
            finally
            {
                Creating.Value = false;
            }

            await ProcessNextAsync(message, pipeline);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("Shroud calls storage asynchronously.");

    private static bool IsMissing(HttpMessage message) =>
        message.HasResponse && message.Response.Status == 404
        && message.Response.Headers.TryGetValue("x-ms-error-code", out var code) && MissingCodes.Contains(code);
}
