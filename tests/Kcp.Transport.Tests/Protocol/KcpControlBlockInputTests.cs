using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockInputTests
{
    private const uint Conv = 0x55667788;
    private readonly CapturingSink _sink = new();

    private KcpControlBlock NewBlock()
    {
        var kcp = new KcpControlBlock(Conv, _sink);
        kcp.SetNoDelay(-1, -1, -1, 1);
        return kcp;
    }

    // sn 0 sent and not yet acknowledged: a datagram whose una is 1 slides the window.
    private KcpControlBlock NewBlockWithOneSegmentInFlight()
    {
        var kcp = NewBlock();
        kcp.Send([1]);
        kcp.Flush(0, ackOnly: false);
        _sink.Drain();
        return kcp;
    }

    private static void AssertUntouched(KcpControlBlock kcp, CapturingSink sink)
    {
        Assert.Equal(32, kcp.RemoteWindow);
        Assert.Equal(-1, kcp.PeekSize());
        kcp.Flush(100, ackOnly: false);
        Assert.Empty(sink.Datagrams); // no ACK was queued
        Assert.Equal(1, kcp.Counters.InErrors);
        Assert.Equal(0, kcp.Counters.InSegs);
    }

    [Fact]
    public void Input_ShorterThanHeader_ReturnsMinusOneWithoutStateChange()
    {
        using var kcp = NewBlock();
        byte[] part = Segments.Build(Segments.Push(Conv, 0, 1, [], wnd: 5));

        Assert.Equal(-1, kcp.Input(part.AsSpan(0, 23), true, true, 10));

        AssertUntouched(kcp, _sink);
    }

    [Fact]
    public void Input_ConvMismatch_ReturnsMinusOneWithoutStateChange()
    {
        using var kcp = NewBlock();

        Assert.Equal(-1, kcp.Input(Segments.Build(Segments.Push(Conv + 1, 0, 1, [9], wnd: 5)), true, true, 10));

        AssertUntouched(kcp, _sink);
    }

    [Fact]
    public void Input_UnknownCommand_ReturnsMinusThreeWithoutStateChange()
    {
        using var kcp = NewBlock();
        var bad = (new KcpSegmentHeader(Conv, 85, 0, 5, 1, 0, 0, 0), Array.Empty<byte>());

        Assert.Equal(-3, kcp.Input(Segments.Build(bad), true, true, 10));

        AssertUntouched(kcp, _sink);
    }

    [Fact]
    public void Input_LenBeyondRemainingBytes_ReturnsMinusTwoWithoutReadingPastEnd()
    {
        using var kcp = NewBlock();
        byte[] part = Segments.Build(Segments.Push(Conv, 0, 1, [1, 2, 3, 4], wnd: 5));

        Assert.Equal(-2, kcp.Input(part.AsSpan(0, part.Length - 1), true, true, 10));

        AssertUntouched(kcp, _sink);
    }

    [Fact]
    public void Input_LenNearUInt32Max_ReturnsMinusTwo()
    {
        using var kcp = NewBlock();
        byte[] part = Segments.Build(Segments.Push(Conv, 0, 1, [1]));
        part[20] = 0xFF;
        part[21] = 0xFF;
        part[22] = 0xFF;
        part[23] = 0xFF;

        Assert.Equal(-2, kcp.Input(part, true, true, 10));
    }

    [Fact]
    public void Input_BadSegmentAfterGoodOne_KeepsTheGoodOne()
    {
        using var kcp = NewBlock();
        byte[] part = Segments.Build(Segments.Push(Conv, 0, 1, [7]), Segments.Push(Conv + 1, 1, 1, [8]));

        Assert.Equal(-1, kcp.Input(part, true, false, 10));

        Assert.Equal(1, kcp.PeekSize());
    }

    [Fact]
    public void Input_PushLargerThanMss_IsAccepted()
    {
        using var kcp = NewBlock();
        Assert.True(kcp.SetMtu(200)); // mss 176, but a peer with a larger MTU may send more
        byte[] big = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

        Assert.Equal(0, kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, big)), true, false, 10));

        byte[] buffer = new byte[1000];
        Assert.Equal(1000, kcp.Receive(buffer));
        Assert.Equal(big, buffer);
    }

    [Fact]
    public void Input_Push_AckEchoesTimestampAndCarriesUnaAndWindow()
    {
        using var kcp = NewBlock();

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 123456, [1, 2])), true, false, 10);
        kcp.Flush(20, ackOnly: false);

        var ack = Assert.Single(_sink.Drain());
        Assert.Equal(KcpCommand.Ack, ack.Command);
        Assert.Equal(0u, ack.Sn);
        Assert.Equal(123456u, ack.Header.Timestamp);
        Assert.Equal(1u, ack.Header.Una);
        Assert.Equal(31, ack.Header.Window); // one segment waits in rcv_queue
    }

    [Fact]
    public void Flush_AckList_KeepsOneAckBelowRcvNxtPreferringAFirstArrivalToADuplicate()
    {
        using var kcp = NewBlock();

        // ACK list: 0, 1, 3 (out of order), 0 (duplicate); rcv_nxt ends at 2. The one ACK kept below it would be the
        // last, the duplicate, but 3, a first arrival, is written anyway (and echoes a time the peer can match).
        kcp.Input(
            Segments.Build(
                Segments.Push(Conv, 0, 10, [1]),
                Segments.Push(Conv, 1, 11, [1]),
                Segments.Push(Conv, 3, 13, [1]),
                Segments.Push(Conv, 0, 14, [1])),
            true, false, 20);
        kcp.Flush(30, ackOnly: true);

        var ack = Assert.Single(_sink.Drain());
        Assert.Equal((3u, 13u, 2u), (ack.Sn, ack.Header.Timestamp, ack.Header.Una));
        Assert.Equal(1, kcp.Counters.RepeatSegs);
    }

    [Fact]
    public void Input_AckBehindDataWhoseUnaCoversIt_StillSamplesTheRtt()
    {
        // We write ACKs after the data (they ride in its room); the data's una already covers the ACKed segment.
        using var kcp = NewBlockWithOneSegmentInFlight();

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 90, [7], una: 1), Segments.Ack(Conv, 0, 0, una: 1)), true, false, 120);

        Assert.Equal(120, kcp.SmoothedRtt);
        Assert.True(kcp.PeerEchoed);
        Assert.Equal(0, kcp.WaitSnd);
    }

    [Fact]
    public void Flush_DuplicateWithNoAckPending_IsAcknowledgedAgain()
    {
        using var kcp = NewBlock();
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 10, [1]), Segments.Push(Conv, 1, 11, [1])), true, false, 20);
        kcp.Flush(30, ackOnly: true);
        _sink.Drain();

        // Our ACK may have been lost: the sender retransmits, and must hear about it.
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 40, [1])), true, false, 50);
        kcp.Flush(60, ackOnly: true);

        var ack = Assert.Single(_sink.Drain());
        Assert.Equal((0u, 40u, 2u), (ack.Sn, ack.Header.Timestamp, ack.Header.Una));
    }

    [Fact]
    public void Input_PushBeyondReceiveWindow_IsDroppedWithoutAck()
    {
        using var kcp = NewBlock();
        kcp.SetWindowSize(32, 4);

        kcp.Input(Segments.Build(Segments.Push(Conv, 4, 1, [1])), true, false, 10);
        kcp.Flush(20, ackOnly: true);

        Assert.Empty(_sink.Datagrams);
        Assert.Equal(1, kcp.Counters.RepeatSegs);
    }

    [Fact]
    public void Input_DuplicatePush_IsAckedAgainButDeliveredOnce()
    {
        using var kcp = NewBlock();
        byte[] part = Segments.Build(Segments.Push(Conv, 0, 1, [42]));

        kcp.Input(part, true, false, 10);
        kcp.Input(part, true, false, 11);
        kcp.Flush(20, ackOnly: true);

        Assert.Single(_sink.Drain(), s => s.Command == KcpCommand.Ack); // both sn 0: only the last survives the filter
        Assert.Equal(1, kcp.Receive(new byte[10]));
        Assert.Equal(-1, kcp.Receive(new byte[10]));
        Assert.Equal(1, kcp.Counters.RepeatSegs);
        Assert.Equal(2, kcp.Counters.InSegs);
    }

    [Fact]
    public void Input_AckNoDelay_FlushesAcksImmediately()
    {
        using var kcp = NewBlock();

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1])), true, ackNoDelay: true, 10);

        var ack = Assert.Single(_sink.Drain());
        Assert.Equal(KcpCommand.Ack, ack.Command);
    }

    [Fact]
    public void Input_WithoutAckNoDelay_WaitsForFlush()
    {
        using var kcp = NewBlock();

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 1, [1])), true, ackNoDelay: false, 10);

        Assert.Empty(_sink.Datagrams);
    }

    [Fact]
    public void Input_RegularPacket_UpdatesRemoteWindowButRecoveredDoesNot()
    {
        using var kcp = NewBlock();

        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowTell, wnd: 7)), regular: false, false, 1);
        Assert.Equal(32, kcp.RemoteWindow);

        kcp.Input(Segments.Build(Segments.Control(Conv, KcpCommand.WindowTell, wnd: 7)), regular: true, false, 1);
        Assert.Equal(7, kcp.RemoteWindow);
    }

    [Fact]
    public void Input_AckWhichSlidesWindow_FlushesAtOnceAndSendsQueuedData()
    {
        using var kcp = NewBlock();
        kcp.SetWindowSize(1, 32);
        kcp.Send([1]);
        kcp.Send([2]);
        kcp.Flush(0, ackOnly: false);
        Assert.Equal([0u], _sink.Drain().Select(s => s.Sn)); // send window 1 holds sn 1 back

        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, 0, una: 1)), true, false, 50);

        Assert.Equal([1u], _sink.Drain().Select(s => s.Sn));
    }

    [Fact]
    public void Input_PushWhoseUnaSlidesWindow_FlushesButLeavesItsAckForTheAnswer()
    {
        using var kcp = NewBlockWithOneSegmentInFlight();

        // A request's first datagram: its una covers our last answer (the window slides) and it carries data.
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 7, [9], una: 1)), true, false, 50);

        Assert.Empty(_sink.Datagrams);
        Assert.Equal(1, kcp.PendingAcks);

        kcp.Send([2]);
        kcp.Flush(51, ackOnly: false);
        Assert.Equal([KcpCommand.Push, KcpCommand.Ack], _sink.Drain().Select(s => s.Command));
    }

    [Fact]
    public void Input_PushWhoseUnaSlidesWindowWithAckNoDelay_SendsItsAckAtOnce()
    {
        using var kcp = NewBlockWithOneSegmentInFlight();

        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 7, [9], una: 1)), true, ackNoDelay: true, 50);

        var ack = Assert.Single(_sink.Drain());
        Assert.Equal(KcpCommand.Ack, ack.Command);
        Assert.Equal(0, kcp.PendingAcks);
    }
}
