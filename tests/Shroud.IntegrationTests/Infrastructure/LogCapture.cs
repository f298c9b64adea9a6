using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>
/// A logger provider that keeps every log entry of every category at every level as text: message, state values,
/// exception and scopes. Register it with a filter of its own (which wins over the host's category levels).
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> entries = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static IEnumerable<string?> Values(object? state) => state switch
    {
        null => [],
        IEnumerable<KeyValuePair<string, object?>> pairs => pairs.Select(p => $"{p.Key}={Text(p.Value)}").Append(state.ToString()),
        _ => [state.ToString()],
    };

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IEnumerable items => string.Join(',', items.Cast<object?>().Select(Text)),
        _ => value.ToString(),
    };

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var parts = new List<string?> { $"{logLevel} {category} {eventId}", formatter(state, exception), exception?.ToString() };
            parts.AddRange(Values(state));
            capture.scopes.ForEachScope((scope, list) => list.AddRange(Values(scope)), parts);
            capture.entries.Enqueue(string.Join('\n', parts));
        }
    }
}
