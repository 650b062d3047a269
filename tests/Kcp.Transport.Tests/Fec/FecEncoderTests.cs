using System.Buffers.Binary;
using System.Text.Json;
using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class FecEncoderTests
{
    // vectors.md V7a: ds=2, ps=1, no crypto.
    internal static readonly string[] V7a =
    [
        "00000000f1001f004433221151008000e803000000000000000000000500000068656c6c6f",
        "01000000f1001d004433221151008000e8030000010000000000000003000000686921",
        "02000000f2001b004433221151008000e8030000020000000000000009000000687df6b4b1",
    ];

    // vectors.md V7b: ds=3, ps=2, no crypto.
    internal static readonly string[] V7b =
    [
        "00000000f1001f004433221151008000e803000000000000000000000500000068656c6c6f",
        "01000000f1001d004433221151008000e8030000010000000000000003000000686921",
        "02000000f1001b004433221151008000e803000002000000000000000100000078",
        "03000000f20019004433221151008000e8030000030000000000000007000000780c4d6c6f",
        "04000000f20017004433221151008000e803000004000000000000002d00000008464b5e4f",
    ];

    [Fact]
    public void Encode_V7aGroup_EqualsKcpGoDatagrams() => AssertGroup(2, 1, V7a);

    [Fact]
    public void Encode_V7bGroup_EqualsKcpGoDatagrams() => AssertGroup(3, 2, V7b);

    [Theory]
    [InlineData("plain-2-1")]
    [InlineData("plain-3-2")]
    [InlineData("plain-10-3")]
    [InlineData("none-crypt-10-3")]
    public void Encode_CapturedKcpGoSession_ReproducesEveryDatagram(string name)
    {
        JsonElement session = FecVectors.Session(name);
        int ds = session.GetProperty("dataShards").GetInt32();
        int ps = session.GetProperty("parityShards").GetInt32();
        int offset = session.GetProperty("headerOffset").GetInt32();
        byte[][] captured = FecVectors.HexArray(session.GetProperty("datagrams"));

        using var encoder = new FecEncoder(ds, ps, offset);
        int parityCompared = 0;
        int i = 0;
        while (i < captured.Length)
        {
            byte[] expected = captured[i++];
            Assert.Equal(FecPacket.TypeData, FecPacket.ReadType(expected.AsSpan(offset)));

            // Our encoder writes the FEC header itself; everything else (crypto head-room, KCP part) is left as is.
            byte[] datagram = (byte[])expected.Clone();
            datagram.AsSpan(offset, FecPacket.HeaderSizePlus2).Fill(0xAA);
            int ready = encoder.Encode(datagram);
            Assert.Equal(expected, datagram);

            Assert.True(ready == 0 || ready == ps);
            for (int p = 0; p < ready; p++)
            {
                byte[] expectedParity = captured[i++];
                Span<byte> parity = encoder.GetParity(p);
                Assert.Equal(expectedParity.Length, parity.Length);
                Assert.Equal(expectedParity.AsSpan(offset).ToArray(), parity[offset..].ToArray());
                Assert.True(parity[..offset].IndexOfAnyExcept((byte)0) < 0, "head-room must be zero");
                parityCompared++;
            }
        }

        Assert.True(parityCompared >= 2 * ps, $"only {parityCompared} parity datagrams compared");
    }

    [Theory]
    [InlineData(3, 2, 0xFFFFFFFFu)]
    [InlineData(10, 3, 0xFFFFFFF7u)]
    [InlineData(1, 1, 0xFFFFFFFEu)]
    public void Encode_GroupEndingAtPaws_WrapsSeqIdToZero(int ds, int ps, uint paws)
    {
        Assert.Equal(paws, FecPacket.Paws(ds + ps));
        using var encoder = new FecEncoder(ds, ps, 0);
        uint first = paws - (uint)(ds + ps);
        encoder.NextSeqId = first;

        byte[] datagram = new byte[40];
        for (int d = 0; d < ds; d++)
        {
            int ready = encoder.Encode(datagram);
            Assert.Equal(first + (uint)d, BinaryPrimitives.ReadUInt32LittleEndian(datagram));
            Assert.Equal(d == ds - 1 ? ps : 0, ready);
        }

        for (int p = 0; p < ps; p++)
        {
            Assert.Equal(first + (uint)(ds + p), BinaryPrimitives.ReadUInt32LittleEndian(encoder.GetParity(p)));
        }

        Assert.Equal(0u, encoder.NextSeqId);
        encoder.Encode(datagram);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(datagram));
    }

    [Fact]
    public void Encode_WithHeaderOffset_LeavesHeadRoomAndWritesSizeField()
    {
        using var encoder = new FecEncoder(2, 1, 20);
        byte[] datagram = new byte[20 + 8 + 30];
        datagram.AsSpan(0, 20).Fill(0x5C);
        encoder.Encode(datagram);

        Assert.True(datagram.AsSpan(0, 20).IndexOfAnyExcept((byte)0x5C) < 0);
        Assert.Equal(0u, FecPacket.ReadSeqId(datagram.AsSpan(20)));
        Assert.Equal(FecPacket.TypeData, FecPacket.ReadType(datagram.AsSpan(20)));
        Assert.Equal(2 + 30, BinaryPrimitives.ReadUInt16LittleEndian(datagram.AsSpan(26)));
    }

    [Fact]
    public void GetParity_BeforeGroupCompletes_Throws()
    {
        using var encoder = new FecEncoder(3, 2, 0);
        Assert.Throws<InvalidOperationException>(() => encoder.GetParity(0));
        Assert.Equal(0, encoder.Encode(new byte[30]));
        Assert.Throws<InvalidOperationException>(() => encoder.GetParity(0));
    }

    [Fact]
    public void GetParity_AfterNextEncode_IsNoLongerValid()
    {
        using var encoder = new FecEncoder(1, 1, 0);
        Assert.Equal(1, encoder.Encode(new byte[30]));
        Assert.Equal(30, encoder.GetParity(0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => encoder.GetParity(1));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1501)]
    public void Encode_DatagramOutOfBounds_Throws(int length)
    {
        using var encoder = new FecEncoder(2, 1, 0);
        Assert.Throws<ArgumentException>(() => encoder.Encode(new byte[length]));
    }

    [Fact]
    public void Encode_SteadyState_AllocatesNothing()
    {
        using var encoder = new FecEncoder(10, 3, 20);
        byte[] datagram = new byte[1350];
        for (int i = 0; i < 13; i++)
        {
            encoder.Encode(datagram);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            if (encoder.Encode(datagram) > 0)
            {
                _ = encoder.GetParity(2);
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static void AssertGroup(int ds, int ps, string[] hex)
    {
        byte[][] expected = hex.Select(FecVectors.Hex).ToArray();
        using var encoder = new FecEncoder(ds, ps, 0);
        for (int d = 0; d < ds; d++)
        {
            byte[] datagram = (byte[])expected[d].Clone();
            datagram.AsSpan(0, FecPacket.HeaderSizePlus2).Clear();
            int ready = encoder.Encode(datagram);
            Assert.Equal(expected[d], datagram);
            Assert.Equal(d == ds - 1 ? ps : 0, ready);
        }

        for (int p = 0; p < ps; p++)
        {
            Assert.Equal(expected[ds + p], encoder.GetParity(p).ToArray());
        }
    }
}
