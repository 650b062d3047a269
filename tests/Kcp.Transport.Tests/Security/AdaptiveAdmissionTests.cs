using System.Net;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Ingress;
using Kcp.Transport.Io;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// Admission's decisions on a clock the test moves (issue 30): line rate while calm, tight under pressure, a retried
/// conversation admitted through it, and the least-proven unvalidated session giving up its place when the pool is full.
/// </summary>
public sealed class AdaptiveAdmissionTests
{
    private const long T0 = 1_000_000;

    private static SocketAddress Address(string ip, int port) => new IPEndPoint(IPAddress.Parse(ip), port).Serialize();

    /// <summary>Checks and, when admitted, creates a session; returns the decision.</summary>
    private static Admission.Decision Offer(Admission admission, List<FakeHandler> created, string ip, int port, uint conv, uint ts, long nowMs)
    {
        SocketAddress address = Address(ip, port);
        Admission.Decision decision = admission.Check(address, conv, ts, created.Count, nowMs);
        if (decision.Refused is null)
        {
            var handler = new FakeHandler(address, conv);
            admission.Admit(handler, decision, nowMs);
            created.Add(handler);
        }

        return decision;
    }

    [Fact]
    public void LegitimateBurst_1024FromOneAddress_ValidatingAsTheyGo_AllAdmittedWithinOneMillisecond()
    {
        var counters = new KcpCounters();
        var admission = new Admission(new KcpSecurityOptions(), counters: counters);
        var created = new List<FakeHandler>();

        for (int i = 0; i < 1024; i++)
        {
            Assert.Null(Offer(admission, created, "198.51.100.7", 10_000 + i, conv: (uint)i + 1, ts: 5, T0).Refused);
            if (i >= 100)
            {
                // Past the burst the bucket is empty; real peers validate within a round trip, keeping the prefix below its share.
                admission.OnValidated(created[i - 100]);
            }
        }

        Assert.Equal(1024, created.Count);
        Assert.Equal(0, counters.AdmissionTightened);
        Assert.False(admission.IsUnderPressure(Address("198.51.100.7", 1), T0));
    }

    [Fact]
    public void FloodThatNeverValidates_TightensItsPrefixOnly_OnceItsSessionsHadTheirSecond()
    {
        var counters = new KcpCounters();
        var options = new KcpSecurityOptions { MaxUnvalidatedSessionsPerPrefix = 128, NewSessionBurstPerPrefix = 100, NewSessionsPerSecondPerPrefix = 50 };
        var admission = new Admission(options, counters: counters);
        var created = new List<FakeHandler>();
        int Offers(int count, long nowMs, int from) => Enumerable.Range(from, count)
            .Count(i => Offer(admission, created, $"203.0.113.{1 + (i % 250)}", 2000 + i, conv: 0x10000u + (uint)i, ts: 1, nowMs).Refused is null);

        // A burst looks like any other at first: all admitted, past the bucket and the share.
        Assert.Equal(200, Offers(200, T0, from: 0));
        Assert.False(admission.IsUnderPressure(Address("203.0.113.9", 1), T0));

        // A second later none validated: the refilled tokens (50) go, then the prefix is under pressure.
        Assert.Equal(50, Offers(200, T0 + 1000, from: 200));
        Assert.True(admission.IsUnderPressure(Address("203.0.113.9", 1), T0 + 1000));
        Assert.False(admission.IsUnderPressure(Address("192.0.2.1", 1), T0 + 1000));
        Assert.Equal(1, counters.AdmissionTightened);

        // Another prefix is not affected; the flooded one stays shut while its bucket is empty.
        Assert.Null(Offer(admission, created, "192.0.2.1", 1, conv: 7, ts: 1, T0 + 1000).Refused);
        Assert.Equal(PacketDropReason.RateLimited, Offer(admission, created, "203.0.113.1", 9999, conv: 8, ts: 1, T0 + 1010).Refused);
    }

    [Fact]
    public void RefusedConversation_IsAdmittedOnItsRetransmission_NotOnAReplayOrAnotherConversation()
    {
        var counters = new KcpCounters();
        var options = new KcpSecurityOptions { MaxUnvalidatedSessionsPerPrefix = 4, NewSessionBurstPerPrefix = 2, NewSessionsPerSecondPerPrefix = 1 };
        var admission = new Admission(options, counters: counters);
        var created = new List<FakeHandler>();
        for (int i = 0; i < 4; i++)
        {
            Assert.Null(Offer(admission, created, "203.0.113.1", 100 + i, conv: (uint)i + 1, ts: 1, T0).Refused);
        }

        // A second later, unvalidated: one more on the refilled token, then pressure.
        const long T1 = T0 + 1000;
        Assert.Null(Offer(admission, created, "203.0.113.1", 200, conv: 20, ts: 1, T1).Refused);
        Assert.Equal(PacketDropReason.RateLimited, Offer(admission, created, "203.0.113.1", 201, conv: 21, ts: 1, T1).Refused);
        Assert.True(admission.IsUnderPressure(Address("203.0.113.1", 1), T1));

        // A client's first PUSH is refused; the same bytes again (a replay or duplicate) too.
        Assert.Equal(PacketDropReason.RateLimited, Offer(admission, created, "203.0.113.50", 4242, conv: 77, ts: 90_000, T1 + 1).Refused);
        Assert.NotNull(Offer(admission, created, "203.0.113.50", 4242, conv: 77, ts: 90_000, T1 + 201).Refused);

        // Another conversation, or another port, is a first sighting of its own.
        Assert.NotNull(Offer(admission, created, "203.0.113.50", 4242, conv: 78, ts: 90_200, T1 + 201).Refused);
        Assert.NotNull(Offer(admission, created, "203.0.113.50", 4243, conv: 77, ts: 90_200, T1 + 201).Refused);

        // Its retransmission, 200 ms later with a timestamp 200 ms on, gets in despite the pressure.
        Admission.Decision retried = Offer(admission, created, "203.0.113.50", 4242, conv: 77, ts: 90_200, T1 + 201);
        Assert.Null(retried.Refused);
        Assert.True(retried.Retried);
        Assert.Equal(1, counters.RetriedAdmissions);
    }

    [Fact]
    public void FullPool_ARetransmissionTakesTheLeastProvenPlace_OnlyAfterTheEvictionAge()
    {
        var counters = new KcpCounters();
        var options = new KcpSecurityOptions { MaxUnvalidatedSessions = 4, MaxUnvalidatedSessionsPerPrefix = 100, NewSessionsPerSecondPerPrefix = 0 };
        var admission = new Admission(options, counters: counters);
        var created = new List<FakeHandler>();
        for (int i = 0; i < 4; i++)
        {
            Assert.Null(Offer(admission, created, "203.0.113.1", 100 + i, conv: (uint)i + 1, ts: 1, T0 + i).Refused);
        }

        created[0].DatagramsReceived = 50;   // the oldest has been busy: a sink-style client
        created[2].DatagramsReceived = 3;

        // Full: a first datagram is refused (its prefix holds no more than its share), and remembered.
        Assert.Equal(PacketDropReason.UnvalidatedLimit, Offer(admission, created, "203.0.113.9", 7000, conv: 99, ts: 5000, T0 + 10).Refused);
        Assert.True(admission.IsUnderPressure(Address("192.0.2.1", 1), T0 + 10));

        // Its retransmission before anyone had a second: still no place.
        Assert.Equal(PacketDropReason.UnvalidatedLimit, Offer(admission, created, "203.0.113.9", 7000, conv: 99, ts: 5300, T0 + 310).Refused);

        // After it: the least-proven place (fewest datagrams among those old enough), not the oldest.
        Admission.Decision decision = Offer(admission, created, "203.0.113.9", 7000, conv: 99, ts: 6010, T0 + 1010);
        Assert.Null(decision.Refused);
        Assert.Same(created[1], decision.Victim);
        Assert.Equal(4, admission.UnvalidatedCount);
        Assert.Equal(1, counters.SessionsEvicted);

        // The victim's close (by the ingress) frees nothing more; a validated session leaves the pool.
        admission.OnClosed(created[1], KcpCloseReason.Evicted, T0 + 1011);
        Assert.Equal(4, admission.UnvalidatedCount);
        admission.OnValidated(created[0]);
        Assert.Equal(3, admission.UnvalidatedCount);
    }

    [Fact]
    public void FullPool_AFirstDatagramTakesAPlaceOnlyFromAPrefixOverItsShare()
    {
        var options = new KcpSecurityOptions { MaxUnvalidatedSessions = 6, MaxUnvalidatedSessionsPerPrefix = 2, NewSessionsPerSecondPerPrefix = 0 };
        var admission = new Admission(options);
        var created = new List<FakeHandler>();
        for (int i = 0; i < 6; i++)
        {
            Assert.Null(Offer(admission, created, "203.0.113.1", 100 + i, conv: (uint)i + 1, ts: 1, T0).Refused);
        }

        // From the flooding prefix itself: refused. From another one, a second later: a flooder's place.
        Assert.NotNull(Offer(admission, created, "203.0.113.2", 1, conv: 50, ts: 1, T0 + 1000).Refused);
        Admission.Decision decision = Offer(admission, created, "192.0.2.8", 1, conv: 51, ts: 1, T0 + 1000);
        Assert.Null(decision.Refused);
        Assert.Same(created[0], decision.Victim);
    }

    [Fact]
    public void UnvalidatedSessionsThatFail_PutTheirPrefixUnderPressure_ValidatedOnesDoNot()
    {
        var counters = new KcpCounters();
        var admission = new Admission(new KcpSecurityOptions(), counters: counters);
        var created = new List<FakeHandler>();
        Offer(admission, created, "203.0.113.1", 1, conv: 1, ts: 1, T0);
        Offer(admission, created, "198.51.100.1", 1, conv: 2, ts: 1, T0);
        admission.OnValidated(created[1]);

        admission.OnClosed(created[1], KcpCloseReason.IdleTimeout, T0 + 10);
        Assert.False(admission.IsUnderPressure(Address("198.51.100.1", 1), T0 + 10));

        admission.OnClosed(created[0], KcpCloseReason.IdleTimeout, T0 + 10);
        Assert.True(admission.IsUnderPressure(Address("203.0.113.1", 1), T0 + 10));
        Assert.False(admission.IsUnderPressure(Address("203.0.113.1", 1), T0 + 10 + Admission.PressureHoldMs));
        Assert.Equal(1, counters.AdmissionTightened);
        Assert.Equal(2, admission.TombstoneCount);
    }

    [Fact]
    public void RetryFilter_MatchesAClockwiseTimestampOnly()
    {
        var filter = new RetryFilter();
        SocketAddress a = Address("203.0.113.1", 5);
        filter.Remember(a, conv: 1, ts: 1000, nowMs: T0);

        Assert.True(filter.IsRetransmission(a, 1, 1200, T0 + 200));
        Assert.True(filter.IsRetransmission(a, 1, 1500, T0 + 530));
        Assert.False(filter.IsRetransmission(a, 1, 1000, T0 + 200));     // the same timestamp: a copy
        Assert.False(filter.IsRetransmission(a, 1, 1010, T0 + 10));      // sooner than any retransmission
        Assert.False(filter.IsRetransmission(a, 1, 5000, T0 + 200));     // a timestamp far ahead of the clock
        Assert.False(filter.IsRetransmission(a, 1, 1000 + 6000, T0 + 6000));   // past the window
        Assert.False(filter.IsRetransmission(a, 2, 1200, T0 + 200));
    }

    /// <summary>A stand-in session: admission only reads its address, conversation and datagram count.</summary>
    private sealed class FakeHandler(SocketAddress address, uint conv) : IPacketHandler
    {
        public uint Conversation => conv;

        public SocketAddress RemoteAddress => address;

        public long DatagramsReceived { get; set; } = 1;

        public void Start()
        {
        }

        public void Receive(in InboundPacket packet, ReceiveTurn? turn)
        {
        }

        public void OnForged()
        {
        }

        public void Close(KcpCloseReason reason)
        {
        }
    }
}
