using System.Net;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Kcp.Transport.Tests.Diagnostics;

/// <summary>Operational log events by their fixed ids: limits hit, listener totals at close.</summary>
public sealed class KcpTransportLogTests
{
    [Fact]
    public async Task Listener_SessionLimitHitAndClosed_LogsLimitRefusalsAndTotals()
    {
        var logs = new FakeLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);
        var options = new KcpOptions { MaxSessions = 1 };
        KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options, loggerFactory);
        await using (listener)
        {
            await using KcpSession first = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
            await first.Output.WriteAsync(new byte[] { 1 });
            Assert.NotNull(await listener.AcceptAsync().DefaultTimeout());
            KcpSession second = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
            await second.Output.WriteAsync(new byte[] { 2 });

            using var guard = new CancellationTokenSource(TaskTimeoutExtensions.Default);
            while (listener.GetMetricsSnapshot().RefusedSessions == 0)
            {
                await Task.Delay(10, guard.Token);
            }

            second.Abort();   // refused: nothing will ever acknowledge it, so do not linger
        }

        IReadOnlyList<FakeLogRecord> records = logs.Collector.GetSnapshot();
        FakeLogRecord limit = Assert.Single(records, r => r.Id.Id == 12);
        Assert.Equal("SessionLimitReached", limit.Id.Name);
        Assert.Equal(LogLevel.Warning, limit.Level);
        FakeLogRecord refused = Assert.Single(records, r => r.Id.Id == 6);   // rate-limited: one per 10 s
        Assert.Contains("Refused", refused.Message, StringComparison.Ordinal);
        FakeLogRecord closed = Assert.Single(records, r => r.Id.Id == 11);
        Assert.Equal("ListenerClosed", closed.Id.Name);
        Assert.Contains("after 1 sessions", closed.Message, StringComparison.Ordinal);
    }
}
