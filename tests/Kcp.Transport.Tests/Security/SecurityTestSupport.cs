using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport.Tests.Security;

internal static class SecurityTestSupport
{
    public static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    public static KcpOptions Options(string crypt = "null", int dataShards = 0, int parityShards = 0) =>
        new KcpOptions
        {
            Crypt = crypt,
            Key = crypt is "null" or "none" ? null : "security test key",
            DataShards = dataShards,
            ParityShards = parityShards,
            IdleTimeout = TimeSpan.FromSeconds(60),
        }.ApplyPreset(KcpPreset.Fast3);

    public static Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(Loopback);
        return socket;
    }

    /// <summary>Accepts sessions and echoes each one's input until the listener ends.</summary>
    public static Task EchoAllAsync(KcpListener listener, List<KcpSession>? accepted = null) => Task.Run(async () =>
    {
        while (await listener.AcceptAsync() is { } session)
        {
            lock (accepted ?? [])
            {
                accepted?.Add(session);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await session.Input.CopyToAsync(session.Output);
                }
                catch (Exception)
                {
                    // closed under us
                }
            });
        }
    });

    /// <summary>Writes <paramref name="length"/> bytes and reads the echo; returns the elapsed seconds.</summary>
    public static async Task<double> EchoTransferAsync(KcpSession client, int length, int seed)
    {
        byte[] data = PipeTransfer.RandomBytes(length, seed);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();
        double seconds = watch.Elapsed.TotalSeconds;
        Assert.Equal(PipeTransfer.Sha256(data), PipeTransfer.Sha256(echoed));
        return seconds;
    }

    /// <summary>
    /// Waits (bounded, only to catch hangs) until the listener has processed <paramref name="packets"/> datagrams: their
    /// handling, counting and whatever they caused (a session, a drop, a reset) has happened.
    /// </summary>
    public static async Task WaitForProcessedAsync(KcpListener listener, long packets)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (listener.Counters.ProcessedPackets < packets)
        {
            await Task.Delay(1, timeout.Token);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for " + what);
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Sends datagrams in small batches, waiting for the listener to process each batch (no loopback overflow), and
    /// returns once it processed them all.
    /// </summary>
    public static async Task SendPacedAsync(KcpListener listener, IReadOnlyList<(Socket From, byte[] Datagram)> datagrams)
    {
        long start = listener.Counters.ProcessedPackets;
        for (int i = 0; i < datagrams.Count; i++)
        {
            (Socket from, byte[] datagram) = datagrams[i];
            from.SendTo(datagram, listener.LocalEndPoint);
            if (i % 100 == 99)
            {
                await WaitForProcessedAsync(listener, start + i + 1 - 50);
            }
        }

        await WaitForProcessedAsync(listener, start + datagrams.Count);
    }
}

/// <summary>Collects log events so tests can assert no receive loop or session faulted.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory, ILogger
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Event, string Message)> _events = [];

    public IReadOnlyList<(LogLevel Level, string Event, string Message)> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock)
        {
            _events.Add((logLevel, eventId.Name ?? eventId.Id.ToString(), formatter(state, exception) + (exception is null ? string.Empty : " " + exception)));
        }
    }
}
