using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Io.Linux;

namespace Kcp.Transport.Tests.Io;

public sealed class ExclusiveReadWaiterTests
{
    [Fact]
    public void Wait_ReturnsWhenReadable_AndTimesOutWhenNot()
    {
        if (!LinuxUdp.IsSupported)
        {
            Assert.False(OperatingSystem.IsLinux());   // the batch path, and so this waiter, is Linux only
            return;
        }

        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var waiter = new ExclusiveReadWaiter((int)receiver.SafeHandle.DangerousGetHandle());
        Assert.True(waiter.IsExclusive);

        // Nothing queued: the wait lasts its timeout.
        var clock = Stopwatch.StartNew();
        waiter.Wait(100);
        Assert.True(clock.ElapsedMilliseconds >= 90, $"returned after {clock.ElapsedMilliseconds} ms with nothing to read");

        // A queued datagram: the wait returns at once (the bound only catches a hang).
        sender.SendTo(new byte[] { 1 }, receiver.LocalEndPoint!);
        clock.Restart();
        waiter.Wait(30_000);
        Assert.True(clock.ElapsedMilliseconds < 10_000);
        Assert.True(receiver.Available > 0);   // waiting consumed nothing
    }
}
