using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Crypto;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Kcp.Transport.Tests.Sessions;

/// <summary>
/// Ends surface within about a round trip: the peer's close or abort with its reason, a restarted listener's reset, a
/// silent or mistaken server's connect timeout. Time bounds catch hangs; they are generous on purpose.
/// </summary>
public sealed class FailFastTests
{
    private const string Key = "fail fast";
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static KcpOptions Aes(string key = Key) =>
        new KcpOptions { Crypt = "aes", Key = key, IdleTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);

    [Fact]
    public async Task Abort_PeerReadsFailWithRemoteAbortPromptly()
    {
        // Arrange
        await using var listener = KcpListener.Bind(Loopback, Aes());
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Aes());
        await client.Output.WriteAsync("hello"u8.ToArray()).DefaultTimeout();
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        Assert.Equal("hello"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(server.Input, 5).DefaultTimeout());

        // Act
        var clock = Stopwatch.StartNew();
        client.Abort();
        var aborted = await Assert.ThrowsAsync<KcpSessionClosedException>(() => PipeTransfer.ReadExactlyAsync(server.Input, 1).DefaultTimeout());

        // Assert
        Assert.Equal(KcpCloseReason.RemoteAbort, aborted.Reason);
        Assert.Equal(KcpCloseReason.RemoteAbort, server.CloseReason);
        Assert.Equal(KcpCloseReason.Aborted, client.CloseReason);
        Assert.True(clock.Elapsed < Prompt, $"the abort took {clock.Elapsed.TotalSeconds:0.0} s to reach the peer");
    }

    [Fact]
    public async Task CloseAsync_PeerReadsEverythingThenTheEndAndSeesRemoteClose()
    {
        // Arrange
        await using var listener = KcpListener.Bind(Loopback, Aes());
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Aes());
        byte[] data = PipeTransfer.RandomBytes(300_000, seed: 3);
        await client.Output.WriteAsync(data).DefaultTimeout();
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;

        // Act
        await client.CloseAsync().DefaultTimeout();
        byte[] received = await PipeTransfer.ReadToEndAsync(server.Input).DefaultTimeout();

        // Assert
        Assert.Equal(data, received);
        Assert.Equal(KcpCloseReason.RemoteClose, server.CloseReason);
        Assert.Equal(KcpCloseReason.LocalClose, client.CloseReason);
    }

    [Fact]
    public async Task RestartedListener_ClientOfTheOldOne_FailsWithAResetWithinSeconds()
    {
        // Arrange: the first listener dies silently (a relay swallows what it sends), a second one takes its port.
        bool muted = false;
        var first = KcpListener.Bind(Loopback, Aes());
        IPEndPoint port = first.LocalEndPoint;
        await using var relay = new UdpFaultRelay(port, new RelayFaults { DropWhen = (toServer, _) => !toServer && Volatile.Read(ref muted) }, seed: 1);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, Aes());
        await client.Output.WriteAsync("before"u8.ToArray()).DefaultTimeout();
        KcpSession old = (await first.AcceptAsync().DefaultTimeout())!;
        await old.Output.WriteAsync("welcome"u8.ToArray()).DefaultTimeout();
        Assert.Equal("welcome"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(client.Input, 7).DefaultTimeout());
        Volatile.Write(ref muted, true);
        await first.DisposeAsync();
        await using var second = KcpListener.Bind(port, Aes());
        Volatile.Write(ref muted, false);

        // Act
        var clock = Stopwatch.StartNew();
        await client.Output.WriteAsync("after"u8.ToArray()).DefaultTimeout();
        var reset = await Assert.ThrowsAsync<KcpSessionClosedException>(() => PipeTransfer.ReadExactlyAsync(client.Input, 1).DefaultTimeout());

        // Assert
        Assert.Equal(KcpCloseReason.Reset, reset.Reason);
        Assert.True(clock.Elapsed < Prompt, $"the reset took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(0, second.SessionCount);
        Assert.True(second.GetMetricsSnapshot().ResetsSent >= 1);
    }

    [Fact]
    public async Task Reset_SealedWithAnotherKey_IsDroppedAndOnlyTheRightKeyEndsTheSession()
    {
        // Arrange: the "server" is a raw socket that speaks for itself.
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(Loopback);
        await using KcpSession client = await KcpClient.ConnectAsync((IPEndPoint)server.LocalEndPoint!, Aes());
        await client.Output.WriteAsync("hello"u8.ToArray()).DefaultTimeout();
        var from = new IPEndPoint(IPAddress.Any, 0);
        byte[] received = new byte[2048];
        var first = await server.ReceiveFromAsync(received, SocketFlags.None, from).DefaultTimeout();
        EndPoint clientAddress = first.RemoteEndPoint;

        // Act 1: a reset forged with another key; processed once it is counted, or once it (wrongly) ended the session.
        server.SendTo(ResetDatagram(client.Conversation, "not the key"), clientAddress);
        await WaitUntilAsync(() => client.GetStatistics().Counters.InChecksumErrors >= 1 || client.CloseReason != KcpCloseReason.None);

        // Assert 1
        Assert.Equal(KcpCloseReason.None, client.CloseReason);
        Assert.Equal(1, client.GetStatistics().Counters.InChecksumErrors);

        // Act 2: one sealed with the session's key.
        server.SendTo(ResetDatagram(client.Conversation, Key), clientAddress);
        var reset = await Assert.ThrowsAsync<KcpSessionClosedException>(() => PipeTransfer.ReadExactlyAsync(client.Input, 1).DefaultTimeout());

        // Assert 2
        Assert.Equal(KcpCloseReason.Reset, reset.Reason);
    }

    [Fact]
    public async Task StaleDatagramFromAnUnknownAddress_GetsOneResetNoLargerThanItselfAndOpensNoSession()
    {
        // Arrange: a segment of a conversation that already received data (una 1), as a restarted server's client sends.
        await using var listener = KcpListener.Bind(Loopback, Aes());
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(Loopback);
        byte[] stale = Sealed(Segment(conv: 77, KcpCommand.Push, sn: 3, una: 1, "data"u8), Key);

        // Act
        peer.SendTo(stale, listener.LocalEndPoint);
        byte[] answer = new byte[2048];
        using var timeout = new CancellationTokenSource(Prompt);
        int length = await peer.ReceiveAsync(answer, SocketFlags.None, timeout.Token);

        // Assert
        Assert.True(length <= stale.Length, $"a {length}-byte reset for a {stale.Length}-byte datagram");
        using PacketProtection protection = CipherRegistry.Create("aes", KcpCrypt.DeriveKey(Key));
        Assert.Equal(OpenResult.Opened, protection.Open(answer.AsSpan(0, length)));
        Assert.True(KcpCloseNotice.TryRead(answer.AsSpan(protection.HeaderSize, length - protection.HeaderSize), 77, out KcpCloseKind kind));
        Assert.Equal(KcpCloseKind.Reset, kind);
        Assert.Equal(0, listener.SessionCount);
        Assert.Equal(1, listener.GetMetricsSnapshot().ResetsSent);
    }

    [Fact]
    public async Task ResetsPerSecond_Zero_AnswersNothing()
    {
        // Arrange
        KcpOptions options = Aes();
        options.Security.ResetsPerSecond = 0;
        await using var listener = KcpListener.Bind(Loopback, options);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(Loopback);

        // Act: once the listener processed it, a reset would already be in the peer's socket (loopback delivers in the send).
        peer.SendTo(Sealed(Segment(conv: 78, KcpCommand.Push, sn: 3, una: 1, "data"u8), Key), listener.LocalEndPoint);
        await WaitUntilAsync(() => listener.Counters.ProcessedPackets >= 1);

        // Assert
        Assert.Equal(0, peer.Available);
        Assert.Equal(0, listener.GetMetricsSnapshot().ResetsSent);
        Assert.Equal(1, listener.Counters.Dropped(Kcp.Transport.Diagnostics.PacketDropReason.NotFresh));
    }

    [Fact]
    public async Task ConnectTimeout_NothingListening_FailsNamingTheLikelyCauses()
    {
        // Arrange
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(Loopback);
        KcpOptions options = Aes();
        options.ConnectTimeout = TimeSpan.FromSeconds(1);
        await using KcpSession client = await KcpClient.ConnectAsync((IPEndPoint)silent.LocalEndPoint!, options);

        // Act
        var clock = Stopwatch.StartNew();
        await client.Output.WriteAsync("anyone?"u8.ToArray()).DefaultTimeout();
        var failed = await Assert.ThrowsAsync<KcpSessionClosedException>(() => PipeTransfer.ReadExactlyAsync(client.Input, 1).DefaultTimeout());

        // Assert
        Assert.Equal(KcpCloseReason.ConnectTimeout, failed.Reason);
        Assert.Contains("nothing is listening there", failed.Message, StringComparison.Ordinal);
        Assert.Contains("the server refused new sessions", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Crypt 'aes'", failed.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), Prompt);
    }

    [Fact]
    public async Task ConnectTimeout_ServerAnswers_DoesNotFireLater()
    {
        // Arrange: both ends on a runtime whose clock moves only when told.
        var time = new FakeTimeProvider();
        using var runtime = new KcpRuntime(new KcpRuntimeOptions { TimeProvider = time });
        await using var listener = KcpListener.Bind(Loopback, Aes(), runtime: runtime);
        KcpOptions options = Aes();
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options, null, null, runtime);
        await client.Output.WriteAsync("hello"u8.ToArray()).DefaultTimeout();
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        await server.Output.WriteAsync("hi"u8.ToArray()).DefaultTimeout();
        Assert.Equal("hi"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(client.Input, 2).DefaultTimeout());

        // Act: six seconds pass, past the connect timeout and the idle session's next wake (5 s); wait until the
        // client's timer ran in them (it then asks for a deadline after the new time) or closed the session.
        time.Advance(TimeSpan.FromSeconds(6));
        long now = runtime.Scheduler.Clock.NowMs64;
        var timer = (Kcp.Transport.Scheduling.IKcpTimerTarget)client.Core;
        await WaitUntilAsync(() => Volatile.Read(ref timer.TimerDue) is > 0 and var due && due > now && due != long.MaxValue || client.CloseReason != KcpCloseReason.None);

        // Assert
        Assert.Equal(KcpCloseReason.None, client.CloseReason);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.Default);
        while (!condition())
        {
            await Task.Delay(1, timeout.Token);
        }
    }

    private static byte[] ResetDatagram(uint conv, string key)
    {
        var notice = new byte[KcpCloseNotice.Size];
        KcpCloseNotice.Write(notice, conv, ts: 0, KcpCloseKind.Reset);
        return Sealed(notice, key);
    }

    private static byte[] Segment(uint conv, byte command, uint sn, uint una, ReadOnlySpan<byte> data)
    {
        var segment = new byte[KcpSegmentHeader.Size + data.Length];
        KcpSegmentHeader.Write(segment, conv, command, frg: 0, wnd: 128, ts: 1, sn, una, (uint)data.Length);
        data.CopyTo(segment.AsSpan(KcpSegmentHeader.Size));
        return segment;
    }

    private static byte[] Sealed(byte[] payload, string key)
    {
        using PacketProtection protection = CipherRegistry.Create("aes", KcpCrypt.DeriveKey(key));
        var datagram = new byte[protection.HeaderSize + payload.Length];
        payload.CopyTo(datagram, protection.HeaderSize);
        using SessionProtection session = protection.CreateSession();
        return session.Seal(datagram).ToArray();
    }
}
