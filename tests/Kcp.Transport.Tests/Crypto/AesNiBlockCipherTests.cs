using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>Our AES-NI key schedule and block function against the platform AES.</summary>
public sealed class AesNiBlockCipherTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void EncryptBlocks_RandomKeysAndData_EqualsPlatformAes(int keyBytes)
    {
        if (!AesNiBlockCipher.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => new AesNiBlockCipher(new byte[keyBytes]));
            return;
        }

        for (int trial = 0; trial < 20; trial++)
        {
            byte[] key = RandomNumberGenerator.GetBytes(keyBytes);
            byte[] data = RandomNumberGenerator.GetBytes(16 * (1 + trial * 3));
            using var platform = Aes.Create();
            platform.Key = key;
            byte[] expected = platform.EncryptEcb(data, PaddingMode.None);
            using var ours = new AesNiBlockCipher(key);
            var actual = new byte[data.Length];
            var single = new byte[16];

            ours.EncryptBlocks(data, actual);
            ours.EncryptBlock(data.AsSpan(0, 16), single);

            Assert.Equal(expected, actual);
            Assert.Equal(expected.AsSpan(0, 16).ToArray(), single);
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Cfb_RandomData_EqualsPlatformCipherCfb(int keyBytes)
    {
        if (!AesNiBlockCipher.IsSupported)
        {
            return;
        }

        byte[] key = RandomNumberGenerator.GetBytes(keyBytes);
        using var ours = new AesNiBlockCipher(key);
        using var platform = PlatformEcbBlockCipher.CreateAes(key);
        foreach (int length in new[] { 0, 5, 16, 63, 64, 65, 127, 1400, 1500 })
        {
            byte[] plain = RandomNumberGenerator.GetBytes(length);
            byte[] a = (byte[])plain.Clone();
            byte[] b = (byte[])plain.Clone();

            ours.CfbEncrypt(a);
            platform.CfbEncrypt(b);
            Assert.Equal(b, a);

            ours.CfbDecrypt(a);
            Assert.Equal(plain, a);
        }
    }

    [Fact]
    public void Constructor_BadKeyLength_Throws()
    {
        if (!AesNiBlockCipher.IsSupported)
        {
            return;
        }

        Assert.Throws<ArgumentException>(() => new AesNiBlockCipher(new byte[20]));
    }
}
