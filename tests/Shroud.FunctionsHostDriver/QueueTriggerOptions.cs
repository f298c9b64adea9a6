using System.Globalization;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Shroud.FunctionsHostDriver;

/// <summary>
/// The queue extension's options the host applies to every queue trigger: <c>extensions.queues</c> of <c>host.json</c>,
/// overridden by app settings <c>AzureFunctionsJobHost__extensions__queues__&lt;name&gt;</c> as the host allows for any
/// host.json value. Defaults are the extension's.
/// </summary>
public sealed record QueueTriggerOptions
{
    /// <summary>Messages fetched per poll, and so invoked in parallel (<c>batchSize</c>, default 16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Invocations still running below which the next batch is fetched (<c>newBatchThreshold</c>, default half the batch).</summary>
    public int NewBatchThreshold { get; init; } = 8;

    /// <summary>Attempts before a failing message moves to <c>{queue}-poison</c> (<c>maxDequeueCount</c>, default 5).</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message stays invisible before its next attempt (<c>visibilityTimeout</c>, default 0).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Longest wait between polls of an empty queue (<c>maxPollingInterval</c>, default one minute).</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How message bodies are encoded on the queue (<c>messageEncoding</c>, default <c>base64</c>).</summary>
    public QueueMessageEncoding MessageEncoding { get; init; } = QueueMessageEncoding.Base64;

    /// <summary>The options of the app in <paramref name="appDirectory"/> running with <paramref name="appSettings"/>.</summary>
    public static QueueTriggerOptions Read(string appDirectory, IReadOnlyDictionary<string, string> appSettings)
    {
        const string overridePrefix = "AzureFunctionsJobHost__";
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(appDirectory, "host.json"), optional: true)
            .AddInMemoryCollection(appSettings
                .Where(s => s.Key.StartsWith(overridePrefix, StringComparison.OrdinalIgnoreCase))
                .Select(s => KeyValuePair.Create(s.Key[overridePrefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
            .Build();
        var queues = configuration.GetSection("extensions:queues");
        var defaults = new QueueTriggerOptions();
        var batchSize = Int(queues["batchSize"]) ?? defaults.BatchSize;
        return new QueueTriggerOptions
        {
            BatchSize = batchSize,
            NewBatchThreshold = Int(queues["newBatchThreshold"]) ?? batchSize / 2,
            MaxDequeueCount = Int(queues["maxDequeueCount"]) ?? defaults.MaxDequeueCount,
            VisibilityTimeout = Time(queues["visibilityTimeout"]) ?? defaults.VisibilityTimeout,
            MaxPollingInterval = Time(queues["maxPollingInterval"]) ?? defaults.MaxPollingInterval,
            MessageEncoding = queues["messageEncoding"]?.ToLowerInvariant() switch
            {
                null or "base64" => QueueMessageEncoding.Base64,
                "none" => QueueMessageEncoding.None,
                var other => throw new InvalidOperationException($"host.json extensions.queues.messageEncoding '{other}' is neither base64 nor none."),
            },
        };
    }

    private static int? Int(string? text) => text is null ? null : int.Parse(text, CultureInfo.InvariantCulture);

    private static TimeSpan? Time(string? text) => text is null ? null : TimeSpan.Parse(text, CultureInfo.InvariantCulture);
}
