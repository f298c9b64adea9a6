using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>Counts the HTTP requests that really leave for storage (every attempt, retries included).</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> requests = new();

    public IReadOnlyList<string> Requests => requests.ToArray();

    public void Reset() => requests.Clear();

    public override void OnSendingRequest(HttpMessage message) =>
        requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}");
}
