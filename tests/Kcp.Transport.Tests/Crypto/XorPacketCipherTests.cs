using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class XorPacketCipherTests
{
    [Fact]
    public void Table_DefaultPass_MatchesKcpGoV2()
    {
        using var xor = new XorPacketCipher(SpecVectors.DefaultPass);

        Assert.Equal(1500, xor.Table.Length);
        Assert.Equal(
            "0ffe8987ad94757154791bc8fa01b62c6bce0106b2954013cd523fbc1f7aac8cf0af663f479b134e25a0d0f79e2f3a02efbfde43f30e20a0f9235cc64b3d146f",
            Convert.ToHexStringLower(xor.Table[..64]));
        Assert.Equal("df44607871b19a362f7640db6a160114", Convert.ToHexStringLower(xor.Table[1484..]));
        Assert.Equal(
            "d8aa82789c1fdc76e5bce5e8145df0ac4c641f4c1c8459c1f1a3b830a449a2ef",
            Convert.ToHexStringLower(SHA256.HashData(xor.Table)));
    }

    [Fact]
    public void Transform_LongerThanTable_LeavesBytesPast1500Unchanged()
    {
        using var xor = new XorPacketCipher(SpecVectors.DefaultPass);
        byte[] data = RandomNumberGenerator.GetBytes(1600);
        byte[] original = (byte[])data.Clone();

        xor.Transform(data);

        Assert.Equal(original[1500..], data[1500..]);
        Assert.NotEqual(original[..1500], data[..1500]);
    }
}
