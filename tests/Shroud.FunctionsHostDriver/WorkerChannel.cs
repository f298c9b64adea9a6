using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Shroud.FunctionsHostDriver.Rpc;

namespace Shroud.FunctionsHostDriver;

/// <summary>
/// The host's end of <c>FunctionRpc.EventStream</c> for one worker: the worker opens the stream, and every request the
/// driver sends is answered by the response message that names the same function or invocation.
/// </summary>
internal sealed class WorkerChannel : FunctionRpc.FunctionRpcBase
{
    private const int KeptLogLines = 200;

    private readonly Channel<StreamingMessage> outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> pending = new();
    private readonly TaskCompletionSource<string> started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> log = new();
    private Exception? closed;

    /// <summary>Completes with the worker id once the worker has opened the stream.</summary>
    public Task<string> Started => started.Task;

    /// <summary>The last lines the worker logged over the stream or wrote to its console, for failure messages.</summary>
    public string RecentLog => string.Join(Environment.NewLine, log);

    public void AddLog(string line)
    {
        log.Enqueue(line);
        while (log.Count > KeptLogLines && log.TryDequeue(out _))
        {
        }
    }

    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        var writing = WriteAllAsync(responseStream, context.CancellationToken);
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                Receive(message);
            }

            Close(new InvalidOperationException("The worker closed its stream."));
        }
        catch (Exception e)
        {
            Close(new InvalidOperationException("The worker's stream failed.", e));
        }

        outbound.Writer.TryComplete();
        await writing;
    }

    /// <summary>Sends a message without waiting for an answer.</summary>
    public void Send(StreamingMessage message) => outbound.Writer.TryWrite(message);

    /// <summary>Sends a request and waits for the response that <see cref="ResponseKey"/> pairs with <paramref name="key"/>.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, string key, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!pending.TryAdd(key, response))
        {
            throw new InvalidOperationException($"A request {key} is already waiting for its response.");
        }

        if (closed is not null)
        {
            pending.TryRemove(key, out _);
            throw closed;
        }

        try
        {
            Send(request);
            return await response.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            pending.TryRemove(key, out _);
        }
    }

    /// <summary>Fails the start and every waiting request: the worker is gone.</summary>
    public void Close(Exception reason)
    {
        closed ??= reason;
        started.TrySetException(reason);
        foreach (var key in pending.Keys)
        {
            if (pending.TryRemove(key, out var waiting))
            {
                waiting.TrySetException(reason);
            }
        }
    }

    public static string InitKey => "init";

    public static string MetadataKey => "metadata";

    public static string LoadKey(string functionId) => "load/" + functionId;

    public static string InvocationKey(string invocationId) => "invocation/" + invocationId;

    private static string? ResponseKey(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => InitKey,
        StreamingMessage.ContentOneofCase.FunctionMetadataResponse => MetadataKey,
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => LoadKey(message.FunctionLoadResponse.FunctionId),
        StreamingMessage.ContentOneofCase.InvocationResponse => InvocationKey(message.InvocationResponse.InvocationId),
        _ => null,
    };

    private void Receive(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                started.TrySetResult(message.StartStream.WorkerId);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                AddLog($"[{message.RpcLog.Level}] {message.RpcLog.Category}: {message.RpcLog.Message} {message.RpcLog.Exception?.Message}");
                break;
            default:
                if (ResponseKey(message) is { } key && pending.TryGetValue(key, out var waiting))
                {
                    waiting.TrySetResult(message);
                }

                break;
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> stream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await stream.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            Close(new InvalidOperationException("The driver could not write to the worker's stream.", e));
        }
    }
}
