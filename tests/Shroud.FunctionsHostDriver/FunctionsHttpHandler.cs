using System.Net;
using System.Net.Sockets;
using Shroud.FunctionsHostDriver.Rpc;

namespace Shroud.FunctionsHostDriver;

/// <summary>
/// The Functions host's HTTP front, as a message handler: matches the request to a function by method and route,
/// sends the worker the invocation and, as the host does with the ASP.NET Core integration, forwards the request to
/// the worker's own HTTP endpoint with the invocation id in <c>x-ms-invocation-id</c>. The worker's response streams back.
/// </summary>
internal sealed class FunctionsHttpHandler(FunctionsHost host) : HttpMessageHandler
{
    private const int ConnectAttempts = 200;
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromMilliseconds(25);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        if (host.Router.Match(request.Method.Method, url.AbsolutePath) is not { } match)
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
        }

        var invocation = FunctionsHost.NewInvocation(match.Function);
        var http = new RpcHttp { Method = request.Method.Method, Url = url.ToString() };
        foreach (var (name, value) in match.Values)
        {
            var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            http.Params[name] = text;

            // Route values are binding data: the worker binds the function's other parameters (appId, …) from them.
            invocation.TriggerMetadata[name] = new TypedData { String = text };
        }

        foreach (var header in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            http.Headers[header.Key.ToLowerInvariant()] = string.Join(", ", header.Value);
        }

        invocation.InputData.Add(new ParameterBinding { Name = match.Function.TriggerName, Data = new TypedData { Http = http } });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var invoked = host.InvokeAsync(invocation, stop.Token);
        var proxied = ForwardAsync(request, invocation.InvocationId, stop.Token);

        // A function that fails before writing a response never answers the proxied request; the host answers 500.
        if (await Task.WhenAny(invoked, proxied) == invoked && invoked.Result.InvocationResponse.Result.Status != StatusResult.Types.Status.Success)
        {
            host.LogInvocationFailure(match.Function, invoked.Result);
            await stop.CancelAsync();
            await Task.WhenAny(proxied);
            return new HttpResponseMessage(HttpStatusCode.InternalServerError) { RequestMessage = request };
        }

        var response = await proxied;
        response.RequestMessage = request;
        return response;
    }

    /// <summary>
    /// Sends the request to the worker's endpoint. The worker answers the host's gRPC messages before its Kestrel listens,
    /// so, as the host does, a refused connection is tried again for a while (nothing of the body has been read then).
    /// </summary>
    private async Task<HttpResponseMessage> ForwardAsync(HttpRequestMessage request, string invocationId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Not disposed: that would dispose the caller's content, which a retry sends again and the caller owns.
            var forward = new HttpRequestMessage(request.Method, new Uri(host.WorkerHttpUri, request.RequestUri!.PathAndQuery)) { Content = request.Content };
            foreach (var header in request.Headers)
            {
                forward.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            forward.Headers.Add(FunctionsHost.InvocationIdHeader, invocationId);
            try
            {
                return await host.WorkerHttp.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } && attempt < ConnectAttempts)
            {
                await Task.Delay(ConnectRetryDelay, cancellationToken);
            }
        }
    }
}
