using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Shroud.IntegrationTests.Telemetry;

/// <summary>
/// Everything a host exports — spans, metric points and log records of every level — collected with OpenTelemetry's
/// in-memory exporter on top of the host's own telemetry registration, and rendered as text to search.
/// </summary>
internal sealed class TelemetryCapture
{
    public Exported<Activity> Activities { get; } = new();

    public Exported<MetricSnapshot> Metrics { get; } = new();

    public Exported<LogRecord> Logs { get; } = new();

    /// <summary>The host with in-memory exporters added to the providers it registers itself.</summary>
    public WebApplicationFactory<Program> Attach(WebApplicationFactory<Program> factory) =>
        factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            // Every category at every level, unless the host itself rules a category out for OpenTelemetry: those
            // rules name a category and so take precedence over this one.
            services.AddLogging(logging => logging.AddFilter<OpenTelemetryLoggerProvider>(null, LogLevel.Trace));
            services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddInMemoryExporter(Activities))
                .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics))
                .WithLogging(_ => { }, options =>
                {
                    options.IncludeScopes = true;
                    options.IncludeFormattedMessage = true;
                    options.AddInMemoryExporter(Logs);
                });
        }));

    /// <summary>Exports what the periodic metric reader still holds.</summary>
    public static void Flush(IServiceProvider services)
    {
        services.GetRequiredService<TracerProvider>().ForceFlush();
        services.GetRequiredService<MeterProvider>().ForceFlush();
    }

    /// <summary>Each exported item as one text: names, attributes, tags, events, scopes, messages and exceptions.</summary>
    public IEnumerable<(string Kind, string Text)> Items() =>
        Activities.Snapshot().Select(a => ("span", Describe(a)))
            .Concat(Metrics.Snapshot().Select(m => ("metric", Describe(m))))
            .Concat(Logs.Snapshot().Select(l => ("log", Describe(l))));

    /// <summary>The latest cumulative sum of a counter for the points whose tags hold all of <paramref name="tags"/>.</summary>
    public long Sum(string metricName, params (string Key, string Value)[] tags)
    {
        var latest = Metrics.Snapshot().LastOrDefault(m => m.Name == metricName);
        if (latest is null)
        {
            return 0;
        }

        long sum = 0;
        foreach (var point in latest.MetricPoints)
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                pointTags[tag.Key] = tag.Value;
            }

            if (tags.All(t => pointTags.TryGetValue(t.Key, out var value) && Equals(value, t.Value)))
            {
                sum += point.GetSumLong();
            }
        }

        return sum;
    }

    private static string Describe(Activity activity)
    {
        var parts = new List<string?>
        {
            activity.Source.Name, activity.OperationName, activity.DisplayName, activity.StatusDescription, activity.TraceStateString,
        };
        parts.AddRange(Pairs(activity.TagObjects));
        parts.AddRange(Pairs(activity.Baggage.Select(b => new KeyValuePair<string, object?>(b.Key, b.Value))));
        foreach (var activityEvent in activity.Events)
        {
            parts.Add(activityEvent.Name);
            parts.AddRange(Pairs(activityEvent.Tags));
        }

        foreach (var link in activity.Links)
        {
            parts.AddRange(Pairs(link.Tags ?? []));
        }

        return string.Join('\n', parts);
    }

    private static string Describe(MetricSnapshot metric)
    {
        var parts = new List<string?> { metric.MeterName, metric.Name, metric.Description, metric.Unit };
        foreach (var point in metric.MetricPoints)
        {
            foreach (var tag in point.Tags)
            {
                parts.Add($"{tag.Key}={Text(tag.Value)}");
            }
        }

        return string.Join('\n', parts);
    }

    private static string Describe(LogRecord log)
    {
        var parts = new List<string?>
        {
            log.CategoryName, log.EventId.Name, log.FormattedMessage, log.Body, log.Exception?.ToString(),
        };
        parts.AddRange(Pairs(log.Attributes ?? []));
        log.ForEachScope((scope, list) =>
        {
            list.Add(Text(scope.Scope));
            foreach (var pair in scope)
            {
                list.Add($"{pair.Key}={Text(pair.Value)}");
            }
        }, parts);
        return string.Join('\n', parts);
    }

    private static IEnumerable<string> Pairs(IEnumerable<KeyValuePair<string, object?>> pairs) =>
        pairs.Select(p => $"{p.Key}={Text(p.Value)}");

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IEnumerable items => string.Join(',', items.Cast<object?>().Select(Text)),
        _ => value.ToString(),
    };

    /// <summary>A collection the exporters may add to from any thread.</summary>
    internal sealed class Exported<T> : Collection<T>
    {
        private readonly Lock gate = new();

        public IReadOnlyList<T> Snapshot()
        {
            lock (gate)
            {
                return [.. this];
            }
        }

        protected override void InsertItem(int index, T item)
        {
            lock (gate)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
