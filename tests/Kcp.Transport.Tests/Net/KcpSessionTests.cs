using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

public sealed class KcpSessionTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    private static KcpOptions Fast() => new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);

    [Fact]
    public async Task Echo_OneMegabyte_ArrivesIntactBothWays()
    {
        await using var listener = KcpListener.Bind(Loopback, Fast());
        Task server = EchoOneAsync(listener);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Fast());
        byte[] data = PipeTransfer.RandomBytes(1 << 20, seed: 1);

        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();

        Assert.Equal(PipeTransfer.Sha256(data), PipeTransfer.Sha256(echoed));
        Assert.Equal(data.Length, client.GetStatistics().Counters.BytesSent);
        Assert.Equal(data.Length, client.GetStatistics().Counters.BytesReceived);
        await client.CloseAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Listener_ManySessionsAtOnce_EachGetsItsOwnStream()
    {
        const int Sessions = 40;
        await using var listener = KcpListener.Bind(Loopback, Fast());
        var served = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < Sessions; i++)
            {
                KcpSession session = (await listener.AcceptAsync().DefaultTimeout())!;
                echoes.Add(Task.Run(() => session.Input.CopyToAsync(session.Output)));
            }

            return echoes;
        });

        var clients = new List<Task>();
        for (int i = 0; i < Sessions; i++)
        {
            int seed = i;
            clients.Add(Task.Run(async () =>
            {
                await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Fast());
                byte[] data = PipeTransfer.RandomBytes(64 * 1024, seed);
                Task write = PipeTransfer.WriteAllAsync(client.Output, data);
                byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length);
                await write;
                Assert.Equal(data, echoed);
            }));
        }

        await Task.WhenAll(clients).DefaultTimeout();
        await served.DefaultTimeout();
        Assert.Equal(Sessions, listener.Counters.PassiveOpens);
    }

    [Fact]
    public async Task Listener_GarbageWhileSessionsRun_DropsItAndKeepsSessions()
    {
        await using var listener = KcpListener.Bind(Loopback, Fast());
        Task server = EchoOneAsync(listener);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Fast());
        byte[] data = PipeTransfer.RandomBytes(256 * 1024, seed: 7);
        Task write = PipeTransfer.WriteAllAsync(client.Output, data);

        using Socket attacker = NewPeer();
        var random = new Random(3);
        var garbage = new byte[2000];
        for (int i = 0; i < 500; i++)
        {
            random.NextBytes(garbage);
            int length = random.Next(0, garbage.Length);
            if (length >= 6)
            {
                garbage[4] = (byte)random.Next(0, 256); // mostly not a KCP command
            }

            attacker.SendTo(garbage.AsSpan(0, length), SocketFlags.None, listener.LocalEndPoint);
        }

        byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();

        Assert.Equal(data, echoed);
        Assert.Equal(1, listener.Counters.PassiveOpens);
        Assert.True(listener.Counters.DroppedTotal > 0);
    }

    [Fact]
    public async Task Listener_ValidLookingAckFromNewAddress_DoesNotOpenSession()
    {
        await using var listener = KcpListener.Bind(Loopback, Fast());
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] segment = new byte[24];
        segment[0] = 1; // conv 1
        segment[4] = 99; // unknown command
        stranger.SendTo(segment, listener.LocalEndPoint);
        segment[4] = 82; // ACK: well formed, and kcp-go would open a session for it
        segment[20] = 200; // but its len runs past the datagram
        stranger.SendTo(segment, listener.LocalEndPoint);

        await WaitUntilAsync(() => listener.Counters.DroppedTotal >= 2);

        Assert.Equal(0, listener.SessionCount);
        Assert.Equal(2, listener.Counters.Dropped(PacketDropReason.Malformed));
    }

    [Fact]
    public async Task ListenerDispose_MidTransfer_PeerLearnsOfTheAbortAtOnce()
    {
        var listener = KcpListener.Bind(Loopback, Fast());
        Task<KcpSession?> accept = listener.AcceptAsync().AsTask();
        KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Fast());
        Task write = PipeTransfer.WriteAllAsync(client.Output, PipeTransfer.RandomBytes(8 << 20, seed: 2));
        KcpSession server = (await accept.DefaultTimeout())!;
        _ = await server.Input.ReadAsync().DefaultTimeout();

        await listener.DisposeAsync().DefaultTimeout();

        Assert.Equal(KcpCloseReason.TransportClosed, server.CloseReason);
        Assert.Equal(0, listener.SessionCount);
        // The abort notice reaches the client (its idle timeout is 30 s): its input fails saying so.
        var aborted = await Assert.ThrowsAsync<KcpSessionClosedException>(() => DrainAsync(client.Input).DefaultTimeout());
        Assert.Equal(KcpCloseReason.RemoteAbort, aborted.Reason);
        Assert.Equal(KcpCloseReason.RemoteAbort, client.CloseReason);
        await Assert.ThrowsAsync<IOException>(() => write.DefaultTimeout());
        await client.DisposeAsync();
    }

    [Fact]
    public async Task SilentPeer_IdleTimeout_ClosesWithReason()
    {
        using Socket silent = NewPeer();
        var options = Fast();
        options.IdleTimeout = TimeSpan.FromSeconds(1);
        KcpSession client = await KcpClient.ConnectAsync((IPEndPoint)silent.LocalEndPoint!, options);
        await client.Output.WriteAsync(new byte[100]);

        var closed = await Assert.ThrowsAsync<KcpSessionClosedException>(() => DrainAsync(client.Input).DefaultTimeout());

        Assert.Equal(KcpCloseReason.IdleTimeout, closed.Reason);
        Assert.Equal(KcpCloseReason.IdleTimeout, client.CloseReason);
        Assert.True(client.Closed.WaitHandle.WaitOne(TaskTimeoutExtensions.Default));
    }

    [Fact]
    public async Task SilentPeer_DeadLink_ClosesBeforeIdleTimeout()
    {
        using Socket silent = NewPeer();
        var options = Fast();
        options.IdleTimeout = Timeout.InfiniteTimeSpan;
        options.DeadLink = 3;
        KcpSession client = await KcpClient.ConnectAsync((IPEndPoint)silent.LocalEndPoint!, options);
        await client.Output.WriteAsync(new byte[100]);

        var closed = await Assert.ThrowsAsync<KcpSessionClosedException>(() => DrainAsync(client.Input).DefaultTimeout());

        Assert.Equal(KcpCloseReason.DeadLink, closed.Reason);
    }

    [Fact]
    public async Task Receiver_FullDatagramOfAcksPending_SendsThemBeforeTheInterval()
    {
        // The receiver's interval is 5 s: without the early flush its ACKs would wait for it, and the sender's
        // segments would stay in flight (RTO retransmissions only add more ACKs to the same wait).
        var slow = new KcpOptions { Interval = 5000, SendWindow = 256, ReceiveWindow = 256, StreamMode = true };
        await using var listener = KcpListener.Bind(Loopback, slow);
        KcpOptions fast = Fast();
        fast.StreamMode = true;
        fast.SendWindow = 256;
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, fast);
        int acksPerDatagram = fast.Mtu / KcpSegmentHeader.Size;
        int segment = fast.Mtu - KcpSegmentHeader.Size;

        await client.Output.WriteAsync(new byte[(acksPerDatagram + 1) * segment]);
        KcpSession? server = await listener.AcceptAsync().AsTask().DefaultTimeout();
        Assert.NotNull(server);

        // All but the last segment are acknowledged long before the receiver's next scheduled flush.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        while (client.GetStatistics().InFlight > 1)
        {
            await Task.Delay(10, guard.Token);
        }

        Assert.Equal((acksPerDatagram + 1) * segment, (await PipeTransfer.ReadExactlyAsync(server.Input, (acksPerDatagram + 1) * segment).DefaultTimeout()).Length);
    }

    private static async Task DrainAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task SlowReader_WriterWaits_AndMemoryStaysBounded()
    {
        var options = Fast();
        options.MaxReadBufferSize = 64 * 1024;
        options.MaxWriteBufferSize = 64 * 1024;
        await using var listener = KcpListener.Bind(Loopback, options);
        Task<KcpSession?> accept = listener.AcceptAsync().AsTask();
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        byte[] data = PipeTransfer.RandomBytes(4 << 20, seed: 5);

        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        KcpSession server = (await accept.DefaultTimeout())!;
        await Task.Delay(1500);

        // Nobody reads on the server: the writer must be held back by the closed window, not buffer 4 MB.
        Assert.False(write.IsCompleted);
        var stats = server.GetStatistics();
        long held = stats.Counters.BytesReceived;
        Assert.True(held <= options.MaxReadBufferSize + (options.ReceiveWindow * options.Mtu), $"server took {held} bytes without a reader");

        byte[] received = await PipeTransfer.ReadExactlyAsync(server.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task Listener_NewConvWithSnZeroFromKnownAddress_ReplacesSession()
    {
        await using var listener = KcpListener.Bind(Loopback, Fast());
        using Socket peer = NewPeer();

        peer.SendTo(Push(conv: 11, sn: 0, "first"u8), listener.LocalEndPoint);
        KcpSession first = (await listener.AcceptAsync().DefaultTimeout())!;
        peer.SendTo(Push(conv: 12, sn: 5, "ignored"u8), listener.LocalEndPoint);
        peer.SendTo(Push(conv: 12, sn: 0, "second"u8), listener.LocalEndPoint);
        KcpSession second = (await listener.AcceptAsync().DefaultTimeout())!;

        Assert.Equal(11u, first.Conversation);
        Assert.Equal(12u, second.Conversation);
        Assert.Equal(KcpCloseReason.Replaced, first.CloseReason);
        Assert.Equal(1, listener.Counters.Dropped(PacketDropReason.UnknownConversation));
        byte[] got = await PipeTransfer.ReadExactlyAsync(second.Input, 6).DefaultTimeout();
        Assert.Equal("second"u8.ToArray(), got);
    }

    [Fact]
    public async Task ReceiveBatch_DataOfSeveralDatagrams_ReachesTheReaderInOneFlush()
    {
        await using var listener = KcpListener.Bind(Loopback, Fast());
        using Socket peer = NewPeer();
        peer.SendTo(Push(conv: 21, sn: 0, "a"u8), listener.LocalEndPoint);
        KcpSession session = (await listener.AcceptAsync().DefaultTimeout())!;
        Assert.Equal("a"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(session.Input, 1).DefaultTimeout());

        // What a receive loop does around the datagrams of one recvmmsg call.
        var turn = new Kcp.Transport.Io.ReceiveTurn();
        try
        {
            Receive(session, Push(conv: 21, sn: 1, "bb"u8), turn);
            Receive(session, Push(conv: 21, sn: 2, "ccc"u8), turn);
            Assert.False(session.Input.TryRead(out _));
        }
        finally
        {
            turn.End();
        }

        Assert.True(session.Input.TryRead(out ReadResult result));
        Assert.Equal("bbccc"u8.ToArray(), result.Buffer.ToArray());
        session.Input.AdvanceTo(result.Buffer.End);

        // Outside a batch a datagram's data is readable at once.
        Receive(session, Push(conv: 21, sn: 3, "d"u8), turn: null);
        Assert.True(session.Input.TryRead(out result));
        Assert.Equal("d"u8.ToArray(), result.Buffer.ToArray());
        session.Input.AdvanceTo(result.Buffer.End);
    }

    /// <summary>What the ingress does with a datagram of a known session (no protection layer: the bytes are the packet).</summary>
    private static void Receive(KcpSession session, byte[] datagram, Kcp.Transport.Io.ReceiveTurn? turn)
    {
        using Kcp.Transport.Crypto.PacketProtection plain = new KcpOptions().CreateProtection(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.True(Kcp.Transport.Ingress.DatagramClassifier.TryClassify(plain, datagram, out Kcp.Transport.Ingress.InboundPacket packet, out _));
        session.Core.Receive(packet, turn);
    }

    /// <summary>A raw UDP socket on loopback that speaks KCP by hand.</summary>
    private static Socket NewPeer()
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(Loopback);
        return peer;
    }

    private static byte[] Push(uint conv, uint sn, ReadOnlySpan<byte> data)
    {
        var segment = new byte[24 + data.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(segment, conv);
        segment[4] = 81;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(segment.AsSpan(6), 128);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(segment.AsSpan(12), sn);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(segment.AsSpan(16), sn);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(segment.AsSpan(20), (uint)data.Length);
        data.CopyTo(segment.AsSpan(24));
        return segment;
    }

    private static async Task EchoOneAsync(KcpListener listener)
    {
        KcpSession? session = await listener.AcceptAsync();
        if (session is null)
        {
            return;
        }

        try
        {
            await session.Input.CopyToAsync(session.Output);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TaskTimeoutExtensions.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
