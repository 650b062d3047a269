using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests;

/// <summary>Records the event names logged under the KCP categories, so tests assert logs by EventName.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, string EventName)> Events { get; } = new();

    /// <summary>The formatted messages, with their event names.</summary>
    public ConcurrentQueue<(string EventName, string Message)> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    public bool Contains(string eventName) => Events.Any(e => e.EventName == eventName);

    private sealed class Logger(string category, CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Kcp.", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && eventId.Name is { } name)
            {
                owner.Events.Enqueue((category, name));
                owner.Messages.Enqueue((name, formatter(state, exception)));
            }
        }
    }
}
