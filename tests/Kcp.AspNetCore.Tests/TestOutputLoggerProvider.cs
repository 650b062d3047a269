using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// Writes the KCP categories' log events, Debug and up, with milliseconds since the test started, to the test's output:
/// a test that fails or hangs in CI then shows its sessions opening, closing (with the reason) and dropping datagrams.
/// </summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output, string side) : ILoggerProvider
{
    private static readonly Stopwatch s_sinceStart = Stopwatch.StartNew();
    private readonly long _startMs = s_sinceStart.ElapsedMilliseconds;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <summary>A logger factory with only this provider, for clients built outside a host.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(builder => builder.AddProvider(this).SetMinimumLevel(LogLevel.Debug));

    public void Dispose()
    {
    }

    /// <summary>Writes one line with this provider's clock and side.</summary>
    public void Write(string line)
    {
        try
        {
            output.WriteLine($"{s_sinceStart.ElapsedMilliseconds - _startMs,7} ms {side} {line}");
        }
        catch (InvalidOperationException)
        {
            // The test is over: late events (a session closing after the host stopped) have nowhere to go.
        }
    }

    private sealed class Logger(string category, TestOutputLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && category.StartsWith("Kcp", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write($"{logLevel} {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name)}");
            }
        }
    }
}
