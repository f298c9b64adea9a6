using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Shroud.FunctionsHostDriver.Rpc;

namespace Shroud.FunctionsHostDriver;

/// <summary>
/// A test-only stand-in for the Azure Functions host: serves <c>FunctionRpc</c> on a loopback port, starts the compiled
/// .NET isolated worker the way the host does (its arguments and environment), initializes it, loads the functions
/// the worker reports, and then routes HTTP requests and timer ticks to them and listens to the queues of its queue
/// triggers.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    /// <summary>The host version sent in <c>WorkerInitRequest</c>.</summary>
    public const string HostVersion = "4.1000.0";

    /// <summary>The header that pairs a proxied HTTP request with its invocation in the worker.</summary>
    internal const string InvocationIdHeader = "x-ms-invocation-id";

    // The Functions host's default: it does not limit messages to the worker.
    private const int GrpcMaxMessageLength = int.MaxValue;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Variables of this process the worker inherits: what a process needs to find dotnet, nothing else.</summary>
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "TMPDIR", "DOTNET_ROOT"];

    private readonly WebApplication rpcServer;
    private readonly WorkerChannel channel;
    private readonly Process process;
    private readonly HttpClient workerHttp;
    private readonly Dictionary<string, QueueTriggerListener> queueListeners = new(StringComparer.Ordinal);

    private FunctionsHost(string appDirectory, IReadOnlyDictionary<string, string> appSettings, WebApplication rpcServer, WorkerChannel channel, Process process)
    {
        AppDirectory = appDirectory;
        AppSettings = appSettings;
        this.rpcServer = rpcServer;
        this.channel = channel;
        this.process = process;
        workerHttp = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The folder of the compiled app: the worker, <c>host.json</c>, <c>worker.config.json</c>.</summary>
    public string AppDirectory { get; }

    /// <summary>The app settings the worker runs with (environment variable names, <c>Section__Key</c>).</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> just before the worker process was started.</summary>
    public long WorkerStartedTimestamp { get; private set; }

    /// <summary>The route prefix from <c>host.json</c> (<c>extensions.http.routePrefix</c>, default <c>api</c>).</summary>
    public string RoutePrefix { get; private set; } = "api";

    /// <summary>The worker's ASP.NET Core endpoint, from its <c>HttpUri</c> capability.</summary>
    public Uri WorkerHttpUri { get; private set; } = null!;

    /// <summary>Every function the worker reported and loaded.</summary>
    public IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    /// <summary>The queue extension's options from <c>host.json</c> and the app settings that override it.</summary>
    public QueueTriggerOptions QueueOptions { get; private set; } = new();

    /// <summary>The last lines the worker logged, for failure messages.</summary>
    public string RecentLog => channel.RecentLog;

    /// <summary>Starts the worker in <paramref name="appDirectory"/> with the given app settings and loads its functions.</summary>
    public static async Task<FunctionsHost> StartAsync(string appDirectory, IReadOnlyDictionary<string, string> appSettings, CancellationToken cancellationToken = default)
    {
        appDirectory = Path.GetFullPath(appDirectory);
        var channel = new WorkerChannel();
        var rpcServer = await StartRpcServerAsync(channel, cancellationToken);
        var rpcUri = new Uri(rpcServer.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var process = new Process { StartInfo = WorkerStartInfo(appDirectory, appSettings, rpcUri, workerId, requestId), EnableRaisingEvents = true };
        var host = new FunctionsHost(appDirectory, appSettings, rpcServer, channel, process);
        try
        {
            await host.StartWorkerAsync(requestId, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client whose requests go through the host's routing to the worker, as callers reach a Functions app.</summary>
    public HttpClient CreateClient() =>
        new(new FunctionsHttpHandler(this)) { BaseAddress = new Uri("http://functions.invalid/"), Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>An HTTP function's route under the route prefix, as callers see it (for example <c>api/apps/{appId}</c>).</summary>
    public string PrefixedRoute(WorkerFunction function) =>
        FunctionRouter.CombinePrefix(RoutePrefix, function.Route ?? throw new InvalidOperationException($"{function.Name} has no route."));

    /// <summary>The function of the given name.</summary>
    public WorkerFunction Function(string name) =>
        Functions.SingleOrDefault(f => f.Name == name) ?? throw new InvalidOperationException($"The worker has no function {name}.");

    /// <summary>
    /// A binding expression resolved as the Functions host does: <c>%name%</c> is the app setting <c>name</c> in the host's
    /// configuration, where an environment variable's <c>__</c> is the key separator <c>:</c>.
    /// </summary>
    public string ResolveBindingExpression(string expression)
    {
        if (expression.Length < 2 || expression[0] != '%' || expression[^1] != '%')
        {
            return expression;
        }

        var key = expression[1..^1];
        return AppSettings.FirstOrDefault(s => string.Equals(s.Key.Replace("__", ":", StringComparison.Ordinal), key, StringComparison.OrdinalIgnoreCase)).Value
            ?? throw new InvalidOperationException($"The app settings have no {key} for the binding expression {expression}.");
    }

    /// <summary>Fires a timer trigger once, as the host's scheduler does when it is due, and waits for the function to finish.</summary>
    public async Task InvokeTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var function = Function(functionName);
        if (!string.Equals(function.TriggerType, "timerTrigger", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{functionName} is a {function.TriggerType} function.");
        }

        // The timer's schedule must resolve, as the host resolves it before it schedules anything.
        ResolveBindingExpression(function.Schedule!);
        var timerInfo = JsonSerializer.Serialize(new { Schedule = new { AdjustForDST = true }, ScheduleStatus = (object?)null, IsPastDue = false });
        var invocation = NewInvocation(function);
        invocation.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Json = timerInfo } });
        EnsureSucceeded(await InvokeAsync(invocation, cancellationToken), functionName);
    }

    /// <summary>The listener of a queue-triggered function: its queue, and the messages it has finished with.</summary>
    public QueueTriggerListener QueueListener(string functionName) =>
        queueListeners.TryGetValue(functionName, out var listener) ? listener : throw new InvalidOperationException($"{functionName} is not a queue-triggered function.");

    /// <summary>
    /// The connection string a trigger's <c>connection</c> names, looked up as the Storage extensions do: the app setting
    /// <c>AzureWebJobs{name}</c>, else <c>{name}</c>. Identity-based connections (<c>{name}__queueServiceUri</c>, …) need
    /// a managed identity, which a test run does not have, and are refused with a message saying so.
    /// </summary>
    public string ResolveConnectionString(string connection)
    {
        foreach (var name in new[] { "AzureWebJobs" + connection, connection })
        {
            var key = Normalize(name);
            if (AppSettings.FirstOrDefault(s => string.Equals(Normalize(s.Key), key, StringComparison.OrdinalIgnoreCase)) is { Value: { } value })
            {
                return value;
            }

            if (AppSettings.Keys.Any(k => Normalize(k).StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)))
            {
                throw new NotSupportedException($"The connection {connection} is identity-based ({name}__…); the driver needs a connection string in the app setting {name}.");
            }
        }

        throw new InvalidOperationException($"The app settings have no connection {connection} (neither AzureWebJobs{connection} nor {connection}).");

        static string Normalize(string key) => key.Replace("__", ":", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in queueListeners.Values)
        {
            await listener.DisposeAsync();
        }

        if (IsRunning(process))
        {
            channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)) } });
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await process.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        channel.Close(new ObjectDisposedException(nameof(FunctionsHost)));
        workerHttp.Dispose();
        process.Dispose();
        await rpcServer.StopAsync();
        await rpcServer.DisposeAsync();
    }

    internal FunctionRouter Router { get; private set; } = null!;

    internal HttpClient WorkerHttp => workerHttp;

    /// <summary>A new invocation of the function, with the W3C trace context the host always sends (the worker requires one).</summary>
    internal static InvocationRequest NewInvocation(WorkerFunction function) => new()
    {
        FunctionId = function.Id,
        InvocationId = Guid.NewGuid().ToString(),
        TraceContext = new RpcTraceContext { TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01" },
    };

    internal Task<StreamingMessage> InvokeAsync(InvocationRequest invocation, CancellationToken cancellationToken) =>
        channel.RequestAsync(new StreamingMessage { InvocationRequest = invocation }, WorkerChannel.InvocationKey(invocation.InvocationId), cancellationToken);

    /// <summary>
    /// The invocation the host sends for a queue message: the message text (decoded as <c>messageEncoding</c> says) as
    /// the trigger's string input, and the extension's binding data as trigger metadata, strings as strings and the
    /// count and times as JSON, as the host converts them (<c>ToRpc</c>).
    /// </summary>
    internal static InvocationRequest NewQueueInvocation(WorkerFunction function, QueueMessage message)
    {
        var invocation = NewInvocation(function);
        var text = message.Body.ToString();
        invocation.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { String = text } });
        invocation.TriggerMetadata["QueueTrigger"] = new TypedData { String = text };
        invocation.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        invocation.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        invocation.TriggerMetadata["DequeueCount"] = new TypedData { Json = JsonSerializer.Serialize(message.DequeueCount) };
        invocation.TriggerMetadata["InsertionTime"] = new TypedData { Json = JsonSerializer.Serialize(message.InsertedOn) };
        invocation.TriggerMetadata["ExpirationTime"] = new TypedData { Json = JsonSerializer.Serialize(message.ExpiresOn) };
        invocation.TriggerMetadata["NextVisibleTime"] = new TypedData { Json = JsonSerializer.Serialize(message.NextVisibleOn) };
        return invocation;
    }

    internal static void EnsureSucceeded(StreamingMessage response, string functionName) =>
        EnsureSucceeded(response.InvocationResponse.Result, functionName);

    /// <summary>Keeps a failed invocation's error in <see cref="RecentLog"/>, as the host logs what its 500 does not say.</summary>
    internal void LogInvocationFailure(WorkerFunction function, StreamingMessage response) =>
        channel.AddLog($"Invocation {response.InvocationResponse.InvocationId} of {function.Name} ended with {response.InvocationResponse.Result.Status}: {response.InvocationResponse.Result.Exception?.Message}{Environment.NewLine}{response.InvocationResponse.Result.Exception?.StackTrace}");

    private static bool IsRunning(Process process)
    {
        try
        {
            return !process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<WebApplication> StartRpcServerAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = null;
            options.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(channel);
        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<WorkerChannel>();
        await app.StartAsync(cancellationToken);
        return app;
    }

    /// <summary>
    /// The command line and environment the Functions host gives a dotnet-isolated worker: <c>dotnet</c> with the worker
    /// path of <c>worker.config.json</c> in the app folder, the gRPC endpoint both as the classic arguments and as the
    /// <c>--functions-*</c> ones, the app settings as environment variables, and the folder variables. Nothing else of
    /// this process's environment reaches the worker: an inherited <c>ASPNETCORE_URLS</c>, say, would move its Kestrel.
    /// </summary>
    private static ProcessStartInfo WorkerStartInfo(string appDirectory, IReadOnlyDictionary<string, string> appSettings, Uri rpcUri, string workerId, string requestId)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(appDirectory, "worker.config.json")));
        var description = config.RootElement.GetProperty("description");
        var start = new ProcessStartInfo(description.GetProperty("defaultExecutablePath").GetString()!)
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(appDirectory, description.GetProperty("defaultWorkerPath").GetString()!));
        string[] arguments =
        [
            "--host", rpcUri.Host, "--port", rpcUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", GrpcMaxMessageLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--functions-uri", rpcUri.ToString(), "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", GrpcMaxMessageLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var inherited = InheritedVariables.Select(name => (name, value: Environment.GetEnvironmentVariable(name))).Where(v => v.value is not null).ToList();
        start.Environment.Clear();
        foreach (var (name, value) in inherited)
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in appSettings)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["AzureWebJobsScriptRoot"] = appDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        return start;
    }

    private static string ReadRoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        using var hostJson = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return hostJson.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
                ? prefix.GetString()!
                : "api";
    }

    private async Task StartWorkerAsync(string requestId, CancellationToken cancellationToken)
    {
        RoutePrefix = ReadRoutePrefix(AppDirectory);
        process.OutputDataReceived += (_, e) => LogLine(e.Data);
        process.ErrorDataReceived += (_, e) => LogLine(e.Data);
        process.Exited += (_, _) =>
        {
            // Exited can come before the last lines of stdout and stderr are read; this wait returns once they are.
            process.WaitForExit();
            channel.Close(new InvalidOperationException($"The worker exited with code {process.ExitCode}. Its last lines:{Environment.NewLine}{channel.RecentLog}"));
        };
        WorkerStartedTimestamp = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            await channel.Started.WaitAsync(timeout.Token);

            var init = await channel.RequestAsync(new StreamingMessage
            {
                RequestId = requestId,
                WorkerInitRequest = new WorkerInitRequest { HostVersion = HostVersion, WorkerDirectory = AppDirectory, FunctionAppDirectory = AppDirectory },
            }, WorkerChannel.InitKey, timeout.Token);
            EnsureSucceeded(init.WorkerInitResponse.Result, "WorkerInitRequest");
            WorkerHttpUri = init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var httpUri)
                ? new Uri(httpUri)
                : throw new InvalidOperationException("The worker reported no HttpUri capability: it is not using the ASP.NET Core integration.");

            var metadata = await channel.RequestAsync(new StreamingMessage
            {
                RequestId = requestId,
                FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = AppDirectory },
            }, WorkerChannel.MetadataKey, timeout.Token);
            EnsureSucceeded(metadata.FunctionMetadataResponse.Result, "FunctionsMetadataRequest");
            if (metadata.FunctionMetadataResponse.UseDefaultMetadataIndexing)
            {
                throw new InvalidOperationException("The worker asked for host indexing; this driver only loads functions from the worker's own metadata.");
            }

            Functions = metadata.FunctionMetadataResponse.FunctionMetadataResults.Select(m => new WorkerFunction(m)).ToList();
            var loads = Functions.Select(async function =>
            {
                var load = await channel.RequestAsync(new StreamingMessage { RequestId = requestId, FunctionLoadRequest = function.ToLoadRequest() }, WorkerChannel.LoadKey(function.Id), timeout.Token);
                EnsureSucceeded(load.FunctionLoadResponse.Result, $"FunctionLoadRequest {function.Name}");
            });
            await Task.WhenAll(loads);
            Router = new FunctionRouter(Functions, RoutePrefix);
            StartQueueListeners();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The worker did not start: {e.Message}{Environment.NewLine}Worker log:{Environment.NewLine}{channel.RecentLog}", e);
        }
    }

    /// <summary>
    /// One listener per queue trigger, as the host starts them once the functions are loaded: the queue name with its
    /// <c>%setting%</c> resolved, the connection looked up in the app settings, the poison queue <c>{queue}-poison</c>.
    /// </summary>
    private void StartQueueListeners()
    {
        QueueOptions = QueueTriggerOptions.Read(AppDirectory, AppSettings);
        foreach (var function in Functions.Where(f => string.Equals(f.TriggerType, "queueTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            var queueName = ResolveBindingExpression(function.QueueName ?? throw new InvalidOperationException($"{function.Name} names no queue."));
            var listener = QueueTriggerListener.Create(
                ResolveConnectionString(function.Connection ?? "Storage"),
                queueName,
                QueueOptions,
                (message, cancellationToken) => InvokeQueueAsync(function, message, cancellationToken),
                channel.AddLog);
            queueListeners.Add(function.Name, listener);
            listener.Start();
        }
    }

    private async Task<bool> InvokeQueueAsync(WorkerFunction function, QueueMessage message, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync(NewQueueInvocation(function, message), cancellationToken);
        if (response.InvocationResponse.Result.Status == StatusResult.Types.Status.Success)
        {
            return true;
        }

        LogInvocationFailure(function, response);
        return false;
    }

    private void LogLine(string? line)
    {
        if (line is not null)
        {
            channel.AddLog(line);
        }
    }

    private static void EnsureSucceeded(StatusResult result, string step)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"{step} failed: {result.Result} {result.Exception?.Message}");
        }
    }
}
