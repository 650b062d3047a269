using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace Kcp.Transport.Tests.Scheduling;

/// <summary>A runtime's sessions read the runtime's TimeProvider: tests move time instead of sleeping through it.</summary>
public sealed class RuntimeClockTests
{
    [Fact]
    public async Task ConnectTimeout_FakeClock_FiresWhenTheFakeTimePassesItNotTheRealOne()
    {
        // Arrange: a dialed session to a socket that never answers, on a runtime whose clock only moves when told.
        var time = new FakeTimeProvider();
        using var runtime = new KcpRuntime(new KcpRuntimeOptions { TimeProvider = time });
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new KcpOptions { ConnectTimeout = TimeSpan.FromSeconds(5) };
        await using KcpSession session = await KcpClient.ConnectAsync(
            (IPEndPoint)silent.LocalEndPoint!, options, loggerFactory: null, meterFactory: null, runtime);

        // Act: the first write sends the first datagram; real time passes, fake time does not.
        await session.Output.WriteAsync(new byte[16]);
        await Task.Delay(300);
        KcpCloseReason before = session.CloseReason;
        time.Advance(TimeSpan.FromSeconds(6));
        await WaitClosedAsync(session);

        // Assert
        Assert.Equal(KcpCloseReason.None, before);
        Assert.Equal(KcpCloseReason.ConnectTimeout, session.CloseReason);
    }

    [Fact]
    public void Constructor_NullTimeProvider_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new KcpRuntime(new KcpRuntimeOptions { TimeProvider = null! }));

        Assert.Contains("KcpRuntimeOptions.TimeProvider", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitClosedAsync(KcpSession session)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenRegistration registration = session.Closed.Register(() => closed.TrySetResult());
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
