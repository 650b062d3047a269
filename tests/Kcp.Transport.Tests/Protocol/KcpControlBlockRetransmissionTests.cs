using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockRetransmissionTests
{
    private const uint Conv = 9;
    private readonly CapturingSink _sink = new();

    private KcpControlBlock NewSender(int nodelay, int resend)
    {
        var kcp = new KcpControlBlock(Conv, _sink);
        kcp.SetNoDelay(nodelay, 10, resend, 1);
        return kcp;
    }

    // Flushes every millisecond in [from, to] and returns the times at which sn was (re)transmitted.
    private List<uint> PushTimes(KcpControlBlock kcp, uint sn, uint from, uint to)
    {
        var times = new List<uint>();
        for (uint now = from; now != to + 1; now++)
        {
            kcp.Flush(now, ackOnly: false);
            if (_sink.Drain().Any(s => s.Command == KcpCommand.Push && s.Sn == sn))
            {
                times.Add(now);
            }
        }

        return times;
    }

    [Fact]
    public void Flush_RepeatedTimeoutsWithoutNoDelay_BackOffLinearlyByRto()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.Send([1]);

        var times = PushTimes(kcp, 0, 0, 1300);

        Assert.Equal([0u, 200u, 600u, 1200u], times); // gaps rto, 2·rto, 3·rto
        Assert.Equal(3, kcp.Counters.LostSegs);
        Assert.Equal(3, kcp.Counters.RetransSegs);
    }

    [Fact]
    public void Flush_TimeoutsAcrossClockWrap_StillBackOffLinearly()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.Send([1]);
        uint start = uint.MaxValue - 300;

        var times = PushTimes(kcp, 0, start, start + 1300);

        Assert.Equal([start, start + 200, start + 600, start + 1200], times);
        Assert.True(start + 1200 < start, "the schedule must actually cross 2^32");
    }

    [Fact]
    public void Flush_RepeatedTimeoutsWithNoDelay_BackOffByHalfRto()
    {
        using var kcp = NewSender(nodelay: 1, resend: 0);
        kcp.Send([1]);

        var times = PushTimes(kcp, 0, 0, 1000);

        Assert.Equal([0u, 200u, 500u, 900u], times); // gaps rto, 1.5·rto, 2·rto
    }

    [Fact]
    public void Flush_TimeoutRetransmission_RestampsTsAndUna()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.Send([1]);
        kcp.Flush(0, ackOnly: false);
        _sink.Drain();
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 77, [5])), true, false, 100);

        kcp.Flush(200, ackOnly: false);

        var push = Assert.Single(_sink.Drain(), s => s.Command == KcpCommand.Push);
        Assert.Equal(200u, push.Header.Timestamp);
        Assert.Equal(1u, push.Header.Una);
        Assert.Equal(31, push.Header.Window);
    }

    private void SendFourAndFlush(KcpControlBlock kcp)
    {
        for (byte i = 0; i < 4; i++)
        {
            kcp.Send([i]);
        }

        kcp.Flush(0, ackOnly: false);
        Assert.Equal(4, _sink.Drain().Count);
    }

    [Fact]
    public void Flush_TwoSkippedAcksWithResend2_FastRetransmitsBeforeRto()
    {
        using var kcp = NewSender(nodelay: 0, resend: 2);
        SendFourAndFlush(kcp);
        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 0)), true, false, 5);
        kcp.Input(Segments.Build(Segments.Ack(Conv, 2, 0)), true, false, 6);
        kcp.Send([9]); // new data on this flush rules out the early-retransmit path

        kcp.Flush(10, ackOnly: false);

        var pushes = _sink.Drain();
        Assert.Equal([0u, 4u], pushes.Select(s => s.Sn).Order());
        Assert.Equal(1, kcp.Counters.FastRetransSegs);
        Assert.Equal(0, kcp.Counters.EarlyRetransSegs);
        Assert.Equal(0, kcp.Counters.LostSegs);
    }

    [Fact]
    public void Flush_OneSkippedAckWithResend2AndNewData_DoesNotRetransmit()
    {
        using var kcp = NewSender(nodelay: 0, resend: 2);
        SendFourAndFlush(kcp);
        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 0)), true, false, 5);
        kcp.Send([9]);

        kcp.Flush(10, ackOnly: false);

        Assert.Equal([4u], _sink.Drain().Select(s => s.Sn));
    }

    [Fact]
    public void Flush_SkippedAckAndNoNewData_EarlyRetransmitsEvenWithoutFastResend()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);
        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 0)), true, false, 5);

        kcp.Flush(10, ackOnly: false);

        Assert.Equal([0u], _sink.Drain().Select(s => s.Sn));
        Assert.Equal(1, kcp.Counters.EarlyRetransSegs);
        Assert.Equal(0, kcp.Counters.FastRetransSegs);
    }

    [Fact]
    public void Flush_NoSkippedAck_NothingIsResentBeforeRto()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);

        kcp.Flush(10, ackOnly: false);

        Assert.Empty(_sink.Datagrams);
    }

    [Fact]
    public void Flush_AckSentBeforeRetransmission_DoesNotCountAsSkip()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);
        kcp.Flush(200, ackOnly: false); // RTO: all four resent with ts 200
        _sink.Drain();

        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 0)), true, false, 210); // echoes ts 0: older than sn 0's copy
        kcp.Flush(211, ackOnly: false);

        Assert.Empty(_sink.Datagrams);
    }

    [Fact]
    public void Flush_SelectivelyAckedSegment_IsNeverResent()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);
        kcp.Input(Segments.Build(Segments.Ack(Conv, 2, 0)), true, false, 5);
        kcp.Flush(6, ackOnly: false); // early retransmit of 0 and 1
        _sink.Drain();

        kcp.Flush(1000, ackOnly: false);

        Assert.Equal([0u, 1u, 3u], _sink.Drain().Select(s => s.Sn));
        Assert.Equal(4, kcp.WaitSnd); // still held until una passes it
    }

    [Fact]
    public void Flush_SegmentReachesDeadLinkTransmissions_SetsIsDeadLink()
    {
        using var kcp = NewSender(nodelay: 1, resend: 0);
        kcp.DeadLink = 3;
        kcp.Send([1]);

        var deadAfter = new List<bool>();
        for (uint now = 0; now <= 1000; now++)
        {
            kcp.Flush(now, ackOnly: false);
            if (_sink.Drain().Count > 0)
            {
                deadAfter.Add(kcp.IsDeadLink);
            }
        }

        Assert.Equal([false, false, true, true], deadAfter);
    }

    [Fact]
    public void Flush_PendingSegment_ReturnsTimeUntilItsResend()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.SetNoDelay(-1, 1000, -1, -1);
        kcp.Send([1]);

        Assert.Equal(200u, kcp.Flush(0, ackOnly: false));
        Assert.Equal(50u, kcp.Flush(150, ackOnly: false));
    }

    [Fact]
    public void Flush_NothingPending_ReturnsInterval()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.SetNoDelay(-1, 40, -1, -1);

        Assert.Equal(40u, kcp.Flush(0, ackOnly: false));
        Assert.Equal(40u, kcp.Flush(1, ackOnly: true));
    }

    [Fact]
    public void Input_AckWithEchoedTs_FeedsOneRttSamplePerPacketFromLastAck()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);

        // Two ACKs in one packet, both echoing the send time 0: one sample, rtt = 60.
        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, 0), Segments.Ack(Conv, 1, 0)), true, false, 60);

        Assert.Equal(60, kcp.SmoothedRtt);
        Assert.Equal(30, kcp.RttVariance);
        Assert.Equal(180, kcp.RetransmissionTimeout); // 60 + max(interval 10, 120)
        Assert.True(kcp.PeerEchoed);
    }

    [Fact]
    public void Input_AckOfTheFirstCopyAfterARetransmission_SamplesTheRttAndProvesTheAddress()
    {
        // A 210 ms path: the first copy (ts 0) times out at the initial RTO of 200 and goes again; its ACK arrives
        // after that. With the last send time alone no sample was ever taken on such a path (the RTO stayed 200 and
        // every segment went twice) and a passive session never validated its peer.
        using var kcp = NewSender(nodelay: 0, resend: 0);
        kcp.Send([1]);
        var times = PushTimes(kcp, 0, 0, 205);
        Assert.Equal(2, times.Count);

        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, times[0], una: 1)), true, false, 210);

        Assert.True(kcp.PeerEchoed);
        Assert.Equal(210, kcp.SmoothedRtt);
    }

    [Fact]
    public void Input_AckWithForeignTimestamp_GivesNoRttSampleButStillAcks()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);

        // kcp-go would sample rtt = 100 - 40; ts 40 is not when sn 1 was sent, so we do not.
        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 40, una: 1)), true, false, 100);

        Assert.Equal(0, kcp.SmoothedRtt);
        Assert.Equal(200, kcp.RetransmissionTimeout);
        Assert.False(kcp.PeerEchoed);
        Assert.Equal(3, kcp.WaitSnd); // una 1 removed sn 0; sn 1 is marked acknowledged and leaves with una later
    }

    [Fact]
    public void Input_ReplayedOldAck_LeavesRtoUnchanged()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);
        byte[] ack = Segments.Build(Segments.Ack(Conv, 0, 0, una: 1));
        kcp.Input(ack, true, false, 60);
        Assert.Equal(180, kcp.RetransmissionTimeout);

        // The same ACK replayed 30 s later: kcp-go would take rtt = 30000 and push its RTO to ~34 s.
        for (uint t = 30_000; t < 30_100; t++)
        {
            kcp.Input(ack, true, false, t);
        }

        Assert.Equal(60, kcp.SmoothedRtt);
        Assert.Equal(180, kcp.RetransmissionTimeout);
    }

    [Fact]
    public void Input_RecoveredPacketWithAck_GivesNoRttSample()
    {
        using var kcp = NewSender(nodelay: 0, resend: 0);
        SendFourAndFlush(kcp);

        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, 0)), regular: false, false, 100);

        Assert.Equal(0, kcp.SmoothedRtt);
        Assert.Equal(200, kcp.RetransmissionTimeout);
    }
}
