using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class CryptoXorTests
{
    [Fact]
    public void Apply_EveryLengthUpTo100_XorsExactlyKeystreamLength()
    {
        for (int n = 0; n <= 100; n++)
        {
            byte[] data = RandomNumberGenerator.GetBytes(n + 3);
            byte[] key = RandomNumberGenerator.GetBytes(n);
            byte[] expected = (byte[])data.Clone();
            for (int i = 0; i < n; i++)
            {
                expected[i] ^= key[i];
            }

            CryptoXor.Apply(data, key);

            Assert.Equal(expected, data);
        }
    }

    [Fact]
    public void Apply_KeystreamLongerThanData_Throws() =>
        Assert.Throws<ArgumentException>(() => CryptoXor.Apply(new byte[3], new byte[4]));

    [Fact]
    public void Crc32_Seg1_MatchesGoChecksumIeee() =>
        Assert.Equal(0x054acaabu, System.IO.Hashing.Crc32.HashToUInt32(Convert.FromHexString(SpecVectors.Seg1Hex)));
}
