using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockWindowTests
{
    private const uint Conv = 3;
    private readonly CapturingSink _sink = new();

    private KcpControlBlock NewBlock(int nc = 1)
    {
        var kcp = new KcpControlBlock(Conv, _sink);
        kcp.SetNoDelay(-1, -1, -1, nc);
        return kcp;
    }

    [Fact]
    public void Flush_RemoteWindowZero_ProbesAfter500msThenEvery1_5xLonger()
    {
        using var kcp = NewBlock();
        kcp.Send([1]);
        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowTell, wnd: 0)), true, false, 0);

        var probes = new List<uint>();
        int pushes = 0;
        for (uint now = 0; now <= 4000; now++)
        {
            kcp.Flush(now, ackOnly: false);
            foreach (var s in _sink.Drain())
            {
                if (s.Command == KcpCommand.WindowAsk)
                {
                    probes.Add(now);
                }

                pushes += s.Command == KcpCommand.Push ? 1 : 0;
            }
        }

        Assert.Equal([500u, 1250u, 2375u], probes);
        Assert.Equal(0, pushes); // a zero window holds new data back
    }

    [Fact]
    public void Flush_RemoteWindowReopens_StopsProbingAndSends()
    {
        using var kcp = NewBlock();
        kcp.Send([1]);
        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowTell, wnd: 0)), true, false, 0);
        kcp.Flush(0, ackOnly: false);

        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowTell, wnd: 5)), true, false, 100);
        kcp.Flush(600, ackOnly: false);

        var segment = Assert.Single(_sink.Drain());
        Assert.Equal(KcpCommand.Push, segment.Command);
    }

    [Fact]
    public void Input_WindowAsk_IsAnsweredWithWindowTellOnNextFlush()
    {
        using var kcp = NewBlock();
        kcp.SetWindowSize(32, 10);
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1]), Segments.Control(Conv, KcpCommand.WindowAsk)), true, false, 0);

        kcp.Flush(10, ackOnly: false);

        var tell = Assert.Single(_sink.Drain(), s => s.Command == KcpCommand.WindowTell);
        Assert.Equal(9, tell.Header.Window);
        Assert.Equal(1u, tell.Header.Una);
        Assert.Equal(0u, tell.Sn); // left over from the ACK template
    }

    [Fact]
    public void Flush_AckOnly_DefersWindowTell()
    {
        using var kcp = NewBlock();
        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowAsk)), true, false, 0);

        kcp.Flush(1, ackOnly: true);
        Assert.Empty(_sink.Datagrams);

        kcp.Flush(2, ackOnly: false);
        Assert.Single(_sink.Drain(), s => s.Command == KcpCommand.WindowTell);
    }

    [Fact]
    public void Receive_FromFullQueue_SendsWindowTellOnNextFlush()
    {
        using var kcp = NewBlock();
        kcp.SetWindowSize(32, 2);
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1]), Segments.Push(Conv, 1, 1, [2])), true, false, 0);
        kcp.Flush(1, ackOnly: false);
        Assert.All(_sink.Drain(), s => Assert.Equal(0, s.Header.Window));

        Assert.Equal(1, kcp.Receive(new byte[8]));
        kcp.Flush(2, ackOnly: false);

        var tell = Assert.Single(_sink.Drain());
        Assert.Equal(KcpCommand.WindowTell, tell.Command);
        Assert.Equal(1, tell.Header.Window);
    }

    [Fact]
    public void Input_QueueFull_HoldsInOrderSegmentsInBufferUntilRead()
    {
        using var kcp = NewBlock();
        kcp.SetWindowSize(32, 2);
        kcp.StreamMode = true;
        kcp.Input(
            Segments.Build(Segments.Push(Conv, 0, 1, [1]), Segments.Push(Conv, 1, 1, [2]), Segments.Push(Conv, 2, 1, [3])),
            true, false, 0);
        Assert.Equal(2, kcp.ReceiveQueueCount);

        kcp.Receive(new byte[1]);

        Assert.Equal(2, kcp.ReceiveQueueCount); // sn 2 moved up from rcv_buf
    }

    [Fact]
    public void Flush_CongestionControlOn_StartsWithZeroCwndThenSlowStarts()
    {
        using var kcp = NewBlock(nc: 0);
        for (byte i = 0; i < 4; i++)
        {
            kcp.Send([i]);
        }

        kcp.Flush(0, ackOnly: false);
        Assert.Empty(_sink.Datagrams); // cwnd 0: nothing moves, cwnd becomes 1 at the end
        Assert.Equal(1, kcp.CongestionWindow);

        kcp.Flush(1, ackOnly: false);
        Assert.Equal([0u], _sink.Drain().Select(s => s.Sn));

        // ACK + una advance: slow start grows cwnd to 2; the slid window flushes sn 1 and 2 at once.
        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, 1, una: 1)), true, false, 20);
        Assert.Equal(2, kcp.CongestionWindow);
        Assert.Equal([1u, 2u], _sink.Drain().Select(s => s.Sn));
    }

    [Fact]
    public void Flush_TimeoutWithCongestionControl_CollapsesCwndToOne()
    {
        using var kcp = NewBlock(nc: 0);
        kcp.SetWindowSize(64, 32);
        for (byte i = 0; i < 8; i++)
        {
            kcp.Send([i]);
        }

        kcp.Flush(0, ackOnly: false);
        kcp.Flush(1, ackOnly: false);
        for (uint sn = 0; sn < 4; sn++)
        {
            kcp.Input(Segments.Build(Segments.Ack(Conv, sn, 1, una: sn + 1)), true, false, 10 + sn);
        }

        Assert.True(kcp.CongestionWindow > 1);

        kcp.Flush(5000, ackOnly: false); // everything in flight times out

        Assert.Equal(1, kcp.CongestionWindow);
        Assert.True(kcp.Counters.LostSegs > 0);
    }

    [Fact]
    public void Flush_ManySegments_PacksDatagramsGreedilyUpToMtuAfterHeadRoom()
    {
        using var kcp = NewBlock();
        Assert.True(kcp.SetMtu(100));
        Assert.True(kcp.ReserveBytes(10));
        for (int i = 0; i < 5; i++)
        {
            kcp.Send(new byte[10]);
        }

        kcp.Flush(0, ackOnly: false);

        // Each segment is 34 bytes; 10 + 2·34 = 78 fits 100, a third would not.
        Assert.Equal([78, 78, 44], _sink.Datagrams.Select(d => d.Length));
        Assert.Equal(5, _sink.Drain(reserved: 10).Count);
    }

    [Fact]
    public void Flush_AcksAndData_AcksRideAfterTheDataInItsDatagram()
    {
        using var kcp = NewBlock();
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1])), true, false, 0);
        kcp.Send([2]);

        kcp.Flush(5, ackOnly: false);

        Assert.Single(_sink.Datagrams);
        Assert.Equal([KcpCommand.Push, KcpCommand.Ack], _sink.Drain().Select(s => s.Command));
    }

    [Fact]
    public void Flush_FullDataDatagramsAndAcks_AcksFillTheLastDatagramThenFollowInTheirOwn()
    {
        using var kcp = NewBlock();
        Assert.True(kcp.SetMtu(100));
        // sn 0 is missing, so every ACK stays above rcv_nxt and is sent (none is folded into una).
        for (uint sn = 1; sn <= 4; sn++)
        {
            kcp.Input(Segments.Build(Segments.Push(Conv, sn, 10 + sn, [1])), true, false, 0);
        }

        // Two 40-byte segments (24 + 16) per datagram; the second datagram holds the third and 2 ACKs, 2 ACKs follow.
        for (int i = 0; i < 3; i++)
        {
            kcp.Send(new byte[16]);
        }

        kcp.Flush(5, ackOnly: false);

        Assert.Equal([80, 40 + 48, 48], _sink.Datagrams.Select(d => d.Length));
        var segments = _sink.Drain();
        Assert.Equal(
            [KcpCommand.Push, KcpCommand.Push, KcpCommand.Push, KcpCommand.Ack, KcpCommand.Ack, KcpCommand.Ack, KcpCommand.Ack],
            segments.Select(s => s.Command));
        Assert.Equal([1u, 2u, 3u, 4u], segments.Where(s => s.Command == KcpCommand.Ack).Select(s => s.Sn));
        Assert.Equal([11u, 12u, 13u, 14u], segments.Where(s => s.Command == KcpCommand.Ack).Select(s => s.Header.Timestamp));
    }
}
