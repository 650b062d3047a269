using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpSendBufferTests
{
    private static KcpSegment Seg(uint sn) => new() { SequenceNumber = sn };

    [Fact]
    public void PushBackPopFront_BeyondInitialCapacityWithWrappedHead_KeepsOrderAndState()
    {
        var buffer = new KcpSendBuffer();
        uint next = 100;
        uint expected = 100;
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 25; i++)
            {
                var segment = Seg(next);
                buffer.PushBack(next, segment);
                var slot = buffer[buffer.Count - 1];
                slot.ResendAt = next * 3;
                slot.Timestamp = next * 5;
                slot.Transmissions = next % 4;
                slot.Acked = next % 3 == 0;
                next++;
            }

            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(expected, buffer.FrontSequenceNumber);
                var front = buffer[0];
                Assert.Equal(expected * 3, front.ResendAt);
                Assert.Equal(expected * 5, front.Timestamp);
                Assert.Equal(expected % 4, front.Transmissions);
                Assert.Equal(expected % 3 == 0, front.Acked);
                Assert.Equal(expected, buffer.PopFront().SequenceNumber);
                expected++;
            }
        }

        Assert.Equal(50, buffer.Count);
        Assert.Equal(expected, buffer.FrontSequenceNumber);
        for (int i = 0; i < buffer.Count; i++)
        {
            var slot = buffer[i];
            Assert.Equal(expected + (uint)i, slot.Segment.SequenceNumber);
            Assert.Equal((expected + (uint)i) * 3, slot.ResendAt);
        }
    }

    [Fact]
    public void PushBack_AfterPopFrontReusesSlot_StartsUnsentAndUnacknowledged()
    {
        var buffer = new KcpSendBuffer();
        for (uint sn = 0; sn < 32; sn++)
        {
            buffer.PushBack(sn, Seg(sn));
            var slot = buffer[(int)sn];
            slot.ResendAt = 7;
            slot.FastAck = 3;
            slot.Timestamp = 9;
            slot.Rto = 11;
            slot.Transmissions = 2;
            slot.Acked = true;
        }

        buffer.PopFront();
        buffer.PushBack(32, Seg(32)); // lands in the physical slot sn 0 had

        var reused = buffer[31];
        Assert.Equal(32u, reused.Segment.SequenceNumber);
        Assert.Equal(0u, reused.ResendAt);
        Assert.Equal(0u, reused.FastAck);
        Assert.Equal(0u, reused.Timestamp);
        Assert.Equal(0u, reused.Rto);
        Assert.Equal(0u, reused.Transmissions);
        Assert.False(reused.Acked);
    }

    [Fact]
    public void PushBack_SequenceNumbersAcrossTheWrap_StayConsecutive()
    {
        var buffer = new KcpSendBuffer();
        uint sn = uint.MaxValue - 2;
        for (int i = 0; i < 6; i++)
        {
            buffer.PushBack(unchecked(sn + (uint)i), Seg(unchecked(sn + (uint)i)));
        }

        buffer.PopFront();
        buffer.PopFront();
        buffer.PopFront();

        Assert.Equal(0u, buffer.FrontSequenceNumber);
        Assert.Equal(3, buffer.Count);
        Assert.Throws<InvalidOperationException>(() => buffer.PushBack(4, Seg(4)));
        buffer.PushBack(3, Seg(3));
        Assert.Equal(4, buffer.Count);
    }

    [Fact]
    public void PushBack_IntoEmptyBuffer_StartsAtAnySequenceNumber()
    {
        var buffer = new KcpSendBuffer();
        buffer.PushBack(5, Seg(5));
        buffer.PopFront();

        buffer.PushBack(42, Seg(42));

        Assert.Equal(42u, buffer.FrontSequenceNumber);
    }

    [Fact]
    public void Indexer_OutOfRange_Throws()
    {
        var buffer = new KcpSendBuffer();
        buffer.PushBack(1, Seg(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = buffer[1]; });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = buffer[-1]; });
        buffer.PopFront();
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.PopFront());
    }

    [Fact]
    public void NextToSend_SkipsAckedAndNotDue_StopsAtUnsentFastAckedAndDue()
    {
        var buffer = new KcpSendBuffer();
        const uint Now = 1000;
        for (uint sn = 0; sn < 40; sn++)
        {
            buffer.PushBack(sn, Seg(sn));
            var slot = buffer[(int)sn];
            slot.Transmissions = 1;
            slot.ResendAt = Now + 50 + sn;
        }

        buffer[3].ResendAt = Now; // due exactly now
        buffer[9].FastAck = 2; // reaches the limit
        buffer[10].FastAck = 1; // below it
        var acked = buffer[17]; // acknowledged: skipped even though due and unsent, and its time ignored
        acked.Acked = true;
        acked.ResendAt = Now - 5;
        acked.Transmissions = 0;
        buffer[25].Transmissions = 0; // never sent
        buffer[33].ResendAt = Now - 1; // overdue

        var stops = new List<int>();
        int nextDue = 10_000;
        for (int i = buffer.NextToSend(0, Now, 2, ref nextDue); i < buffer.Count; i = buffer.NextToSend(i + 1, Now, 2, ref nextDue))
        {
            stops.Add(i);
        }

        Assert.Equal([3, 9, 25, 33], stops);
        Assert.Equal(50, nextDue); // slot 0's; the stopped-at slots are the caller's to fold in
    }

    [Fact]
    public void NextToSend_EmptyOrStartAtCount_ReturnsCountAndKeepsNextDue()
    {
        var buffer = new KcpSendBuffer();
        int nextDue = 77;
        Assert.Equal(0, buffer.NextToSend(0, 5, 1, ref nextDue));
        buffer.PushBack(0, Seg(0));
        Assert.Equal(1, buffer.NextToSend(1, 5, 1, ref nextDue));
        Assert.Equal(77, nextDue);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void NextToSendAndAddFastAck_RandomStatesOnWrappedRings_MatchReferenceScan(int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 300; trial++)
        {
            var buffer = new KcpSendBuffer();
            var model = new List<ModelSlot>();
            uint frontSn = (uint)random.Next();

            // Random pushes and pops move the head around the ring (and through growth) before the check.
            int pops = random.Next(0, 80);
            int count = random.Next(0, 150);
            uint sn = frontSn;
            for (int i = 0; i < pops + count; i++)
            {
                buffer.PushBack(sn, Seg(sn));
                model.Add(new ModelSlot());
                sn++;
                if (i < pops && random.Next(2) == 0)
                {
                    buffer.PopFront();
                    model.RemoveAt(0);
                }
            }

            uint now = (uint)random.Next() * 2u;
            uint limit = (uint)random.Next(1, 4);
            bool sparse = random.Next(2) == 0; // mostly nothing to send, like a steady flush
            for (int i = 0; i < model.Count; i++)
            {
                var m = model[i];
                m.ResendAt = unchecked(now + (uint)random.Next(sparse ? -2 : -300, 3000));
                m.FastAck = (uint)(random.Next(sparse ? 40 : 4) switch { 0 => 1, 1 => 3, _ => 0 });
                m.Transmissions = (uint)(random.Next(sparse ? 60 : 5) == 0 ? 0 : random.Next(1, 4));
                m.Acked = random.Next(sparse ? 10 : 3) == 0;
                m.Timestamp = unchecked(now - (uint)random.Next(0, 500));
                var slot = buffer[i];
                slot.ResendAt = m.ResendAt;
                slot.FastAck = m.FastAck;
                slot.Transmissions = m.Transmissions;
                slot.Acked = m.Acked;
                slot.Timestamp = m.Timestamp;
            }

            int initialDue = random.Next(1, 5000);
            int nextDue = initialDue;
            var stops = new List<int>();
            for (int i = buffer.NextToSend(0, now, limit, ref nextDue); i < buffer.Count; i = buffer.NextToSend(i + 1, now, limit, ref nextDue))
            {
                stops.Add(i);
            }

            ReferenceScan(model, now, limit, initialDue, out var expectedStops, out int expectedDue);
            Assert.Equal(expectedStops, stops);
            Assert.Equal(expectedDue, nextDue);

            int skipped = random.Next(0, model.Count + 10);
            uint ts = unchecked(now - (uint)random.Next(0, 500));
            buffer.AddFastAck(skipped, ts);
            for (int i = 0; i < model.Count; i++)
            {
                uint expectedFastAck = model[i].FastAck + (i < skipped && KcpTime.Diff(model[i].Timestamp, ts) <= 0 ? 1u : 0u);
                Assert.Equal(expectedFastAck, buffer[i].FastAck);
            }
        }
    }

    // The flush's original per-segment loop, restricted to the skip decision and the next-due time of skipped slots.
    private static void ReferenceScan(List<ModelSlot> model, uint now, uint limit, int initialDue, out List<int> stops, out int nextDue)
    {
        stops = [];
        nextDue = initialDue;
        for (int i = 0; i < model.Count; i++)
        {
            var m = model[i];
            if (m.Acked)
            {
                continue;
            }

            int due = KcpTime.Diff(m.ResendAt, now);
            if (m.Transmissions == 0 || m.FastAck >= limit || due <= 0)
            {
                stops.Add(i);
                continue;
            }

            nextDue = Math.Min(nextDue, due);
        }
    }

    private sealed class ModelSlot
    {
        public uint ResendAt;
        public uint FastAck;
        public uint Transmissions;
        public bool Acked;
        public uint Timestamp;
    }
}
