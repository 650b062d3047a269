using System.Buffers.Binary;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockRedundantCopiesTests
{
    private const uint Conv = 9;
    private readonly CapturingSink _sink = new();

    private KcpControlBlock NewSender(int copies)
    {
        var kcp = new KcpControlBlock(Conv, _sink) { RedundantCopies = copies };
        kcp.SetNoDelay(1, 10, 2, 1);
        return kcp;
    }

    // Sends one small message at `now` and returns the datagrams of that flush, each as its (sn, ts) pushes.
    private List<List<(uint Sn, uint Ts)>> SendAndFlush(KcpControlBlock kcp, byte tag, uint now)
    {
        kcp.Send([tag, tag, tag]);
        kcp.Flush(now, ackOnly: false);
        var datagrams = _sink.Datagrams
            .Select(d => CapturingSink.Parse(d).Where(s => s.Command == KcpCommand.Push).Select(s => (s.Sn, s.Header.Timestamp)).ToList())
            .ToList();
        _sink.Datagrams.Clear();
        return datagrams;
    }

    [Fact]
    public void Flush_WithRedundantCopies_LaterDatagramsCarryTheNewestUnackedSegmentsEachAtMostThatOften()
    {
        using var kcp = NewSender(copies: 2);

        Assert.Equal([[(0u, 0u)]], SendAndFlush(kcp, 1, 0));
        Assert.Equal([[(1u, 50u), (0u, 50u)]], SendAndFlush(kcp, 2, 50));
        Assert.Equal([[(2u, 100u), (1u, 100u), (0u, 100u)]], SendAndFlush(kcp, 3, 100));

        // sn 0 had its two copies: newest first, the scan stops there.
        Assert.Equal([[(3u, 150u), (2u, 150u), (1u, 150u)]], SendAndFlush(kcp, 4, 150));
        Assert.Equal(5, kcp.Counters.CopySegs);
        Assert.Equal(4, kcp.Counters.OutSegs);
        Assert.Equal(0, kcp.Counters.RetransSegs);
    }

    [Fact]
    public void Flush_WithoutRedundantCopies_SendsEachSegmentOnce()
    {
        using var kcp = NewSender(copies: 0);

        SendAndFlush(kcp, 1, 0);

        Assert.Equal([[(1u, 50u)]], SendAndFlush(kcp, 2, 50));
        Assert.Equal(0, kcp.Counters.CopySegs);
    }

    [Fact]
    public void Flush_WithNothingElseToSend_MakesNoDatagramForCopies()
    {
        using var kcp = NewSender(copies: 2);
        SendAndFlush(kcp, 1, 0);

        kcp.Flush(20, ackOnly: false);

        Assert.Empty(_sink.Datagrams);
    }

    [Fact]
    public void Flush_AnAckOnlyDatagram_CarriesNoCopies()
    {
        // Copies in ACK datagrams would be acknowledged by ACK datagrams carrying the peer's copies: ping-pong.
        using var kcp = NewSender(copies: 1);
        SendAndFlush(kcp, 1, 0);
        kcp.Input(Segments.Build(Segments.Push(Conv, 0, 5, [7])), true, false, 10);

        kcp.Flush(20, ackOnly: false);

        var segments = Assert.Single(_sink.Datagrams.Select(d => CapturingSink.Parse(d)).ToList());
        Assert.Equal([(KcpCommand.Ack, 0u)], segments.Select(s => (s.Command, s.Sn)));
    }

    [Fact]
    public void Flush_FullDatagrams_CarryNoCopiesAndNoExtraDatagram()
    {
        using var kcp = NewSender(copies: 2);
        int mss = kcp.Mss;
        kcp.Send(new byte[mss]);
        kcp.Flush(0, ackOnly: false);
        _sink.Datagrams.Clear();

        kcp.Send(new byte[mss * 3]);
        kcp.Flush(50, ackOnly: false);

        Assert.Equal(3, _sink.Datagrams.Count);
        Assert.Equal(0, kcp.Counters.CopySegs);
    }

    [Fact]
    public void Input_AckOfACopy_AcknowledgesWithoutAnRttSample()
    {
        using var kcp = NewSender(copies: 2);
        SendAndFlush(kcp, 1, 0);
        SendAndFlush(kcp, 2, 50);

        // Only the copy of sn 0 (stamped 50) arrived: its ACK echoes neither of the slot's send times.
        kcp.Input(Segments.Build(Segments.Ack(Conv, 0, 50)), true, false, 250);

        Assert.Equal(0, kcp.SmoothedRtt);
        Assert.False(kcp.PeerEchoed);
        Assert.Equal(2, kcp.WaitSnd);   // una has not moved, but sn 0 is marked ...
        var resent = new List<uint>();
        for (uint now = 260; now < 2000; now += 10)
        {
            kcp.Flush(now, ackOnly: false);
            resent.AddRange(_sink.Drain().Where(s => s.Command == KcpCommand.Push && s.Header.Timestamp == now).Select(s => s.Sn));
        }

        Assert.DoesNotContain(0u, resent);   // ... and never sent again
        Assert.Contains(1u, resent);

        // The original's ACK is a sample.
        kcp.Input(Segments.Build(Segments.Ack(Conv, 1, 50)), true, false, 250 + 50);
        Assert.True(kcp.PeerEchoed);
    }

    [Fact]
    public void ThinStreamOverALossyLink_CopiesRepairLossesWithTheNextMessage()
    {
        // 20 messages a second over 200 ms RTT and 5 % loss, as a game or chat client sends them.
        (double p99Without, int lostWithout, _) = ThinStream(copies: 0);
        (double p99With, int lostWith, int rto) = ThinStream(copies: 2);

        Assert.Equal(0, lostWithout);
        Assert.Equal(0, lostWith);
        Assert.True(p99Without >= 250, $"without copies a loss waits for a retransmission (p99 {p99Without} ms)");
        Assert.True(p99With <= 170, $"with copies the next message's datagram repairs it (p99 {p99With} ms)");

        // The receiver's ACKs still echo first arrivals, so the sender's RTO follows the 200 ms RTT (600 at the start).
        Assert.InRange(rto, 200, 260);
    }

    // Returns the 99th percentile of one-way message delivery in virtual ms, the messages that never arrived, and the
    // sender's RTO at the end.
    private static (double P99, int Lost, int Rto) ThinStream(int copies)
    {
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 7, DelayMs = 100, LossRate = 0.05 });
        foreach (KcpControlBlock kcp in new[] { link.A, link.B })
        {
            kcp.SetNoDelay(1, 10, 2, 1);
            kcp.StreamMode = false;
            kcp.RedundantCopies = copies;
        }

        const int Messages = 1000;
        var latencies = new List<double>();
        byte[] message = new byte[64];
        byte[] received = new byte[256];
        int sent = 0;
        while (link.ElapsedMs < (Messages * 50) + 10_000 && latencies.Count < Messages)
        {
            if (sent < Messages && link.ElapsedMs == sent * 50L)
            {
                BinaryPrimitives.WriteInt64LittleEndian(message, link.ElapsedMs);
                BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), sent);
                Assert.Equal(0, link.A.Send(message));
                sent++;
            }

            link.Tick();
            int n;
            while ((n = link.B.Receive(received)) > 0)
            {
                Assert.Equal(64, n);
                Assert.Equal(latencies.Count, BinaryPrimitives.ReadInt32LittleEndian(received.AsSpan(8)));
                latencies.Add(link.ElapsedMs - BinaryPrimitives.ReadInt64LittleEndian(received));
            }
        }

        latencies.Sort();
        double p99 = latencies.Count == 0 ? double.MaxValue : latencies[(int)(latencies.Count * 0.99) - 1];
        return (p99, Messages - latencies.Count, link.A.RetransmissionTimeout);
    }
}
