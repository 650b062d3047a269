namespace Kcp.Interop.Tests.Harness;

public sealed class TestStreamTests
{
    [Fact]
    public void Create_First16Bytes_AreSplitMix64OfSeed1LittleEndian()
    {
        // splitmix64(seed 1): 0x910a2dec89025cc1, 0xbeeb8da1658eec67, each written little-endian.
        byte[] expected = Convert.FromHexString("c15c0289ec2d0a9167ec8e65a18debbe");

        Assert.Equal(expected, TestStream.Create(16));
    }

    [Fact]
    public void Fill_OddSizedPieces_EqualsOneFill()
    {
        byte[] whole = TestStream.Create(100);
        var pieces = new byte[100];
        var stream = new TestStream();

        stream.Fill(pieces.AsSpan(0, 3));
        stream.Fill(pieces.AsSpan(3, 13));
        stream.Fill(pieces.AsSpan(16, 84));

        Assert.Equal(whole, pieces);
        Assert.Equal(100, stream.Position);
    }

    [Theory]
    [InlineData(0L, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData(13L, "c599014cdea39201d08b11bbc9aa4360ed5024ab54bae1dad2f764faf71b6fe1")]
    [InlineData(1L << 20, "85b66b3a5816d686deb42f2d2473d9a7121ceb75c822b838f958c76ca86ed8ea")]
    public void Sha256Hex_KnownLengths_MatchTheGoPeer(long length, string expected)
        => Assert.Equal(expected, TestStream.Sha256Hex(length));
}
