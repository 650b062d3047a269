using System.Buffers.Binary;
using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class FecDecoderTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(10, 3)]
    public void Decode_EveryLossPatternUpToParityCount_RecoversExactlyTheLostParts(int ds, int ps)
    {
        var random = new Random(ds * 100 + ps);
        Group group = Group.Create(random, ds, ps, 0);
        int n = ds + ps;
        for (int lost = 0; lost <= ps; lost++)
        {
            foreach (bool[] missing in RandomShards.Subsets(n, lost))
            {
                using var decoder = new FecDecoder(ds, ps);
                var sink = new CollectingSink();
                for (int i = 0; i < n; i++)
                {
                    if (!missing[i])
                    {
                        decoder.Decode(group.Packets[i], 0, ref sink);
                    }
                }

                var expected = Enumerable.Range(0, ds).Where(d => missing[d]).Select(d => group.KcpParts[d]).ToList();
                Assert.Equal(expected, sink.Parts);
                Assert.Equal(expected.Count, decoder.Counters.Recovered);
                Assert.Equal(0, decoder.Counters.Errors);
            }
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(10, 3)]
    public void Decode_MoreLostThanParityCount_RecoversNothing(int ds, int ps)
    {
        Group group = Group.Create(new Random(5), ds, ps, 0);
        int n = ds + ps;
        foreach (bool[] missing in RandomShards.Subsets(n, ps + 1))
        {
            using var decoder = new FecDecoder(ds, ps);
            var sink = new CollectingSink();
            for (int i = 0; i < n; i++)
            {
                if (!missing[i])
                {
                    decoder.Decode(group.Packets[i], 0, ref sink);
                }
            }

            Assert.Empty(sink.Parts);
            Assert.Equal(0, decoder.Counters.Recovered);
        }
    }

    [Fact]
    public void Decode_UnrecoverableGroupPushedOut_CountsShortShards()
    {
        using var encoder = new FecEncoder(3, 2, 0);
        using var decoder = new FecDecoder(3, 2);
        var random = new Random(8);
        var sink = new CollectingSink();

        // Group 0 keeps only two of five shards; four complete groups later it falls behind the horizon.
        List<Group> groups = [.. Enumerable.Range(0, 6).Select(_ => Group.Create(random, encoder))];
        decoder.Decode(groups[0].Packets[0], 0, ref sink);
        decoder.Decode(groups[0].Packets[3], 0, ref sink);
        for (int g = 1; g < groups.Count; g++)
        {
            foreach (byte[] packet in groups[g].Packets)
            {
                decoder.Decode(packet, 0, ref sink);
            }
        }

        Assert.Equal(1, decoder.Counters.ShortShards);
        Assert.Empty(sink.Parts);
        Assert.Equal((5 * 2) + 1, decoder.Counters.ParityShards);
    }

    [Fact]
    public void Decode_DuplicateShard_IsCountedAndRecoversOnce()
    {
        Group group = Group.Create(new Random(3), 3, 2, 0);
        using var decoder = new FecDecoder(3, 2);
        var sink = new CollectingSink();

        decoder.Decode(group.Packets[1], 0, ref sink);
        decoder.Decode(group.Packets[1], 0, ref sink);
        decoder.Decode(group.Packets[3], 0, ref sink);
        decoder.Decode(group.Packets[3], 0, ref sink); // completes nothing: still 2 distinct shards
        Assert.Empty(sink.Parts);
        decoder.Decode(group.Packets[4], 0, ref sink);
        decoder.Decode(group.Packets[2], 0, ref sink);

        Assert.Equal(2, decoder.Counters.Duplicates);
        Assert.Equal(1, decoder.Counters.Late);
        Assert.Equal([group.KcpParts[0], group.KcpParts[2]], sink.Parts);
    }

    [Fact]
    public void Decode_ShardsReorderedAcrossGroups_RecoversEveryGroup()
    {
        var random = new Random(21);
        using var encoder = new FecEncoder(4, 2, 0);
        using var decoder = new FecDecoder(4, 2);
        var expected = new List<byte[]>();
        var stream = new List<byte[]>();
        for (int g = 0; g < 40; g++)
        {
            Group group = Group.Create(random, encoder);
            int lostData = random.Next(4);
            int lostParity = 4 + random.Next(2);
            for (int i = 0; i < 6; i++)
            {
                if (i == lostData || (i == lostParity && g % 2 == 0))
                {
                    continue;
                }

                stream.Add(group.Packets[i]);
            }

            expected.Add(group.KcpParts[lostData]);
        }

        // Delay each packet by up to 8 positions, so neighbouring groups interleave.
        double[] keys = [.. Enumerable.Range(0, stream.Count).Select(i => i + (random.NextDouble() * 8))];
        byte[][] reordered = [.. stream];
        Array.Sort(keys, reordered);
        Assert.NotEqual(stream, reordered);
        stream = [.. reordered];

        var sink = new CollectingSink();
        foreach (byte[] packet in stream)
        {
            decoder.Decode(packet, 0, ref sink);
        }

        // A data shard that was only late may be rebuilt before it arrives; every lost one must be among the output.
        foreach (byte[] part in expected)
        {
            Assert.Contains(part, sink.Parts);
        }

        Assert.Equal(0, decoder.Counters.Errors);
        Assert.Equal(0, decoder.Counters.ShortShards);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(10, 3)]
    [InlineData(1, 1)]
    public void Decode_SeqIdWrapsAtPaws_RecoversAcrossTheWrap(int ds, int ps)
    {
        var random = new Random(99);
        int n = ds + ps;
        using var encoder = new FecEncoder(ds, ps, 0);
        encoder.NextSeqId = FecPacket.Paws(n) - (uint)(2 * n);
        using var decoder = new FecDecoder(ds, ps);
        var sink = new CollectingSink();
        var expected = new List<byte[]>();
        for (int g = 0; g < 5; g++)
        {
            Group group = Group.Create(random, encoder);
            int lost = g % ds;
            expected.Add(group.KcpParts[lost]);
            for (int i = 0; i < n; i++)
            {
                if (i != lost)
                {
                    decoder.Decode(group.Packets[i], 0, ref sink);
                }
            }
        }

        Assert.Equal(0u, FecPacket.ReadSeqId(Group.Create(random, encoder).Packets[0]) % (uint)n);
        Assert.Equal(expected, sink.Parts);
        Assert.Equal(0, decoder.Counters.Stale);
    }

    [Fact]
    public void Decode_ShardOfGroupBehindHorizon_IsStaleAndIgnored()
    {
        var random = new Random(4);
        using var encoder = new FecEncoder(2, 1, 0);
        using var decoder = new FecDecoder(2, 1);
        var sink = new CollectingSink();
        Group old = Group.Create(random, encoder);
        for (int g = 0; g < FecDecoder.MaxGroups; g++)
        {
            Group group = Group.Create(random, encoder);
            decoder.Decode(group.Packets[0], 0, ref sink);
        }

        decoder.Decode(old.Packets[1], 0, ref sink);
        decoder.Decode(old.Packets[2], 0, ref sink);

        Assert.Equal(2, decoder.Counters.Stale);
        Assert.Empty(sink.Parts);
    }

    [Theory]
    [InlineData(59_999u, 1)]
    [InlineData(60_001u, 0)]
    public void Decode_GroupOlderThan60Seconds_IsExpired(uint laterMs, int expectedRecovered)
    {
        Group group = Group.Create(new Random(6), 3, 2, 0);
        using var decoder = new FecDecoder(3, 2);
        var sink = new CollectingSink();
        uint start = 0xFFFF_0000; // the millisecond clock wraps in between
        decoder.Decode(group.Packets[0], start, ref sink);
        decoder.Decode(group.Packets[1], start + laterMs, ref sink);
        decoder.Decode(group.Packets[3], start + laterMs, ref sink);

        Assert.Equal(expectedRecovered, sink.Parts.Count);
        Assert.Equal(1 - expectedRecovered, decoder.Counters.ShortShards);
    }

    [Fact]
    public void Decode_GarbageAndShortPackets_AreCountedNotThrown()
    {
        var random = new Random(12);
        using var decoder = new FecDecoder(10, 3);
        var sink = new CollectingSink();
        long expectedMalformed = 0;
        for (int i = 0; i < 2000; i++)
        {
            byte[] packet = new byte[random.Next(0, 40)];
            random.NextBytes(packet);
            if (packet.Length >= 6 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(packet.AsSpan(4), random.Next(2) == 0 ? FecPacket.TypeData : FecPacket.TypeParity);
            }

            if (packet.Length < FecPacket.HeaderSizePlus2 || !FecHeader.TryRead(packet, out _)
                || FecPacket.ReadSeqId(packet) >= FecPacket.Paws(13)
                || (FecPacket.ReadType(packet) == FecPacket.TypeData) != (FecPacket.ReadSeqId(packet) % 13 < 10))
            {
                expectedMalformed++;
            }

            decoder.Decode(packet, (uint)i, ref sink);
        }

        decoder.Decode(new byte[1501], 0, ref sink);
        expectedMalformed++;

        Assert.True(expectedMalformed > 1000);
        Assert.Equal(expectedMalformed, decoder.Counters.Malformed);
        Assert.Equal(0, decoder.Counters.Recovered);
    }

    [Theory]
    [InlineData(0xFFFFFFF7u, FecPacket.TypeData)] // seqid = paws for 10/3
    [InlineData(0xFFFFFFFFu, FecPacket.TypeParity)]
    [InlineData(10u, FecPacket.TypeData)] // position 10 is parity in a 10/3 group
    [InlineData(9u, FecPacket.TypeParity)]
    [InlineData(1u, (ushort)0x0051)]
    public void Decode_SeqIdOrTypeInconsistent_IsMalformed(uint seqId, ushort type)
    {
        using var decoder = new FecDecoder(10, 3);
        var sink = new CollectingSink();
        byte[] packet = new byte[30];
        FecPacket.WriteHeader(packet, seqId, type);
        decoder.Decode(packet, 0, ref sink);
        Assert.Equal(1, decoder.Counters.Malformed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]
    public void Decode_RecoveredSizeFieldInvalid_CountsErrorAndDeliversNothing(int size)
    {
        // A data shard whose size field lies: 0 or 1 (below the field itself) or beyond the shard length (35).
        var codec = new ReedSolomon(2, 1);
        byte[][] shards = [new byte[35], new byte[35], new byte[35]];
        new Random(1).NextBytes(shards[0]);
        new Random(2).NextBytes(shards[1]);
        BinaryPrimitives.WriteUInt16LittleEndian(shards[0], (ushort)size);
        BinaryPrimitives.WriteUInt16LittleEndian(shards[1], 35);
        codec.Encode(shards);

        using var decoder = new FecDecoder(2, 1);
        var sink = new CollectingSink();
        decoder.Decode(Packet(1, FecPacket.TypeData, shards[1]), 0, ref sink);
        decoder.Decode(Packet(2, FecPacket.TypeParity, shards[2]), 0, ref sink);

        Assert.Empty(sink.Parts);
        Assert.Equal(1, decoder.Counters.Errors);
        Assert.Equal(0, decoder.Counters.Recovered);
    }

    [Fact]
    public void Decode_V7aWithoutFirstShard_RecoversSeg1()
    {
        byte[][] packets = FecEncoderTests.V7a.Select(FecVectors.Hex).ToArray();
        using var decoder = new FecDecoder(2, 1);
        var sink = new CollectingSink();
        decoder.Decode(packets[1], 0, ref sink);
        decoder.Decode(packets[2], 0, ref sink);

        byte[] part = Assert.Single(sink.Parts);
        Assert.Equal(packets[0].AsSpan(FecPacket.HeaderSizePlus2).ToArray(), part);
    }

    [Fact]
    public void Decode_SteadyStateWithLoss_AllocatesNothing()
    {
        var random = new Random(17);
        using var encoder = new FecEncoder(10, 3, 0);
        Group[] groups = [.. Enumerable.Range(0, 8).Select(_ => Group.Create(random, encoder))];
        using var decoder = new FecDecoder(10, 3);
        var sink = new CountingSink();

        // Groups keep coming with one or two lost shards each (130 distinct patterns, more than the decode-matrix cache
        // holds); the seqids are rewritten so the stream never repeats.
        uint seq = 0;
        long lostData = 0;
        void Run(int rounds, ref CountingSink s)
        {
            for (int r = 0; r < rounds; r++)
            {
                Group group = groups[r % groups.Length];
                for (int i = 0; i < 13; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(group.Packets[i], seq++);
                    if (i != r % 10 && i != (r * 7) % 13)
                    {
                        decoder.Decode(group.Packets[i], (uint)r, ref s);
                    }
                    else if (i < 10)
                    {
                        lostData++;
                    }
                }
            }
        }

        Run(130, ref sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(260, ref sink);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(lostData > 390);
        Assert.Equal(lostData, sink.Count);
        Assert.Equal(lostData, decoder.Counters.Recovered);
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(1, 1)] // what kcp-go builds when FEC packets arrive while FEC is off locally
    public void Decode_PeerUsesOtherShardCounts_AutoTunesAndRecovers(int localData, int localParity)
    {
        var random = new Random(31);
        using var encoder = new FecEncoder(10, 3, 0);
        using var decoder = new FecDecoder(localData, localParity);
        var sink = new CollectingSink();
        for (int g = 0; g < 3; g++)
        {
            foreach (byte[] packet in Group.Create(random, encoder).Packets)
            {
                decoder.Decode(packet, 0, ref sink);
            }
        }

        Assert.Equal((10, 3), (decoder.DataShards, decoder.ParityShards));
        Assert.Equal(1, decoder.Counters.Retunes);

        // Before tuning, a (1, 1) decoder may take a lone 10+3 parity shard for a whole group and reject the result by
        // its size field, as kcp-go does; after tuning no such error may occur.
        long errorsBeforeTuning = decoder.Counters.Errors;
        var expected = new List<byte[]>();
        for (int g = 0; g < 4; g++)
        {
            Group group = Group.Create(random, encoder);
            for (int i = 0; i < 13; i++)
            {
                if (i != g && i != 12 - g)
                {
                    decoder.Decode(group.Packets[i], 0, ref sink);
                }
            }

            expected.Add(group.KcpParts[g]);
            if (12 - g < 10)
            {
                expected.Add(group.KcpParts[12 - g]);
            }
        }

        Assert.Equal(expected, sink.Parts.Skip(sink.Parts.Count - expected.Count));
        Assert.Equal(errorsBeforeTuning, decoder.Counters.Errors);
        Assert.Equal(1, decoder.Counters.Retunes);
    }

    [Fact]
    public void Decode_MatchingPeer_NeverRetunes()
    {
        var random = new Random(32);
        using var encoder = new FecEncoder(3, 2, 0);
        using var decoder = new FecDecoder(3, 2);
        var sink = new CollectingSink();
        for (int g = 0; g < 50; g++)
        {
            Group group = Group.Create(random, encoder);
            for (int i = 0; i < 5; i++)
            {
                if (i != g % 5)
                {
                    decoder.Decode(group.Packets[i], 0, ref sink);
                }
            }
        }

        Assert.Equal(0, decoder.Counters.Retunes);
        Assert.Equal(0, decoder.Counters.Malformed);
        Assert.Equal(30, decoder.Counters.Recovered); // groups losing one of the three data shards
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(250, 7)]
    public void Ctor_InvalidShardCounts_Throws(int ds, int ps)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new FecDecoder(ds, ps));

    private static byte[] Packet(uint seqId, ushort type, byte[] body)
    {
        byte[] packet = new byte[FecPacket.HeaderSize + body.Length];
        FecPacket.WriteHeader(packet, seqId, type);
        body.CopyTo(packet, FecPacket.HeaderSize);
        return packet;
    }

    private struct CollectingSink() : IFecRecoveredSink
    {
        public List<byte[]> Parts { get; } = [];

        public readonly void OnRecovered(ReadOnlySpan<byte> kcpPart) => Parts.Add(kcpPart.ToArray());
    }

    private struct CountingSink : IFecRecoveredSink
    {
        public int Count;

        public void OnRecovered(ReadOnlySpan<byte> kcpPart) => Count++;
    }

    /// <summary>One FEC group as our encoder (checked against kcp-go) emits it, with random KCP parts of varied length.</summary>
    private sealed class Group
    {
        public List<byte[]> Packets { get; } = [];

        public List<byte[]> KcpParts { get; } = [];

        public static Group Create(Random random, int ds, int ps, uint firstSeqId)
        {
            using var encoder = new FecEncoder(ds, ps, 0);
            encoder.NextSeqId = firstSeqId;
            return Create(random, encoder);
        }

        public static Group Create(Random random, FecEncoder encoder)
        {
            var group = new Group();
            for (int d = 0; d < encoder.DataShards; d++)
            {
                // Lengths vary a lot so zero padding matters; the last shard is the longest half of the time.
                byte[] part = new byte[random.Next(24, d == encoder.DataShards - 1 && random.Next(2) == 0 ? 1400 : 700)];
                random.NextBytes(part);
                byte[] datagram = new byte[FecPacket.HeaderSizePlus2 + part.Length];
                part.CopyTo(datagram, FecPacket.HeaderSizePlus2);
                int ready = encoder.Encode(datagram);
                group.KcpParts.Add(part);
                group.Packets.Add(datagram);
                if (ready > 0)
                {
                    for (int p = 0; p < ready; p++)
                    {
                        group.Packets.Add(encoder.GetParity(p).ToArray());
                    }
                }
            }

            return group;
        }
    }
}
