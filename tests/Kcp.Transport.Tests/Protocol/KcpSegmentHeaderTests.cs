using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpSegmentHeaderTests
{
    // vectors.md V3: SEG1 = PUSH conv 0x11223344, frg 0, wnd 128, ts 1000, sn 0, una 0, len 5, "hello".
    private const string Seg1Hex = "4433221151008000e803000000000000000000000500000068656c6c6f";

    [Fact]
    public void Write_Seg1_MatchesVectorV3()
    {
        byte[] bytes = new byte[29];
        new KcpSegmentHeader(0x11223344, KcpCommand.Push, 0, 128, 1000, 0, 0, 5).Write(bytes);
        "hello"u8.CopyTo(bytes.AsSpan(24));

        Assert.Equal(Seg1Hex, Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Read_Seg1_DecodesEveryField()
    {
        var header = KcpSegmentHeader.Read(Convert.FromHexString(Seg1Hex));

        Assert.Equal(new KcpSegmentHeader(0x11223344, 81, 0, 128, 1000, 0, 0, 5), header);
    }

    [Fact]
    public void ReadWrite_DistinctFieldValues_RoundTripLittleEndian()
    {
        var header = new KcpSegmentHeader(0xA1B2C3D4, KcpCommand.WindowTell, 0xFE, 0xBEEF, 0x01020304, 0xFFFFFFF0, 0x80000001, 0x00000123);
        byte[] bytes = new byte[24];

        header.Write(bytes);

        Assert.Equal(header, KcpSegmentHeader.Read(bytes));
        Assert.Equal("d4c3b2a154feefbe04030201f0ffffff0100008023010000", Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void ControlBlock_FirstPushOfHello_EmitsSeg1Layout()
    {
        var sink = new CapturingSink();
        using var kcp = new KcpControlBlock(0x11223344, sink);
        kcp.SetNoDelay(-1, -1, -1, 1);
        kcp.SetWindowSize(32, 128);

        Assert.Equal(0, kcp.Send("hello"u8));
        kcp.Flush(1000, ackOnly: false);

        byte[] datagram = Assert.Single(sink.Datagrams);
        Assert.Equal(Seg1Hex, Convert.ToHexStringLower(datagram));
    }
}
