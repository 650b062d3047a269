using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>Our AES-GCM against the platform's (OpenSSL) and NIST's published answers.</summary>
public sealed class AesNiGcmTests
{
    private static readonly int[] s_lengths = [0, 1, 15, 16, 17, 31, 32, 127, 128, 129, 255, 256, 1000, 1338, 1350, 1472, 4099];

    [Fact]
    public void Seal_NistTestCase4_GivesThePublishedCiphertextAndTag()
    {
        // The GCM specification's test case 4 has associated data; test case 3 (the same key and nonce, 64 bytes, no
        // associated data) is the one this mode can take.
        Assert.True(AesNiGcm.IsSupported, "this test needs AES-NI and PCLMULQDQ (every x86-64 CI machine has them)");
        byte[] key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");
        byte[] nonce = Convert.FromHexString("cafebabefacedbaddecaf888");
        byte[] text = Convert.FromHexString(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
        var tag = new byte[16];
        using var gcm = new AesNiGcm(key);

        gcm.Seal(nonce, text, tag);

        Assert.Equal(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            Convert.ToHexStringLower(text));
        Assert.Equal("4d5c2af327cd64a62cf35abd2ba6fab4", Convert.ToHexStringLower(tag));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void SealAndOpen_AnyLength_MatchThePlatformAesGcm(int keySize)
    {
        Assert.True(AesNiGcm.IsSupported, "this test needs AES-NI and PCLMULQDQ (every x86-64 CI machine has them)");
        byte[] key = RandomNumberGenerator.GetBytes(keySize);
        using var ours = new AesNiGcm(key);
        using var platform = new AesGcm(key, 16);
        foreach (int length in s_lengths)
        {
            byte[] nonce = RandomNumberGenerator.GetBytes(12);
            byte[] plain = RandomNumberGenerator.GetBytes(length);
            byte[] expected = new byte[length];
            byte[] expectedTag = new byte[16];
            platform.Encrypt(nonce, plain, expected, expectedTag);
            byte[] text = (byte[])plain.Clone();
            byte[] tag = new byte[16];

            ours.Seal(nonce, text, tag);

            Assert.Equal(expected, text);
            Assert.Equal(expectedTag, tag);
            Assert.True(ours.Open(nonce, text, tag));
            Assert.Equal(plain, text);
        }
    }

    [Fact]
    public void Open_AnyFlippedBit_IsRefusedAndLeavesTheCiphertextAlone()
    {
        Assert.True(AesNiGcm.IsSupported, "this test needs AES-NI and PCLMULQDQ (every x86-64 CI machine has them)");
        using var gcm = new AesNiGcm(RandomNumberGenerator.GetBytes(16));
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] text = RandomNumberGenerator.GetBytes(300);
        byte[] tag = new byte[16];
        gcm.Seal(nonce, text, tag);
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] n = (byte[])nonce.Clone();
            byte[] c = (byte[])text.Clone();
            byte[] t = (byte[])tag.Clone();
            int where = random.Next(12 + c.Length + 16);
            byte[] target = where < 12 ? n : where < 12 + c.Length ? c : t;
            int index = where < 12 ? where : where < 12 + c.Length ? where - 12 : where - 12 - c.Length;
            target[index] ^= (byte)(1 << random.Next(8));

            Assert.False(gcm.Open(n, c, t));
            if (target != c)
            {
                Assert.Equal(text, c);
            }
        }
    }

    [Fact]
    public void Create_OnThisCpu_PicksAesNi()
        => Assert.IsType<AesNiGcm>(GcmCipher.Create(new byte[16]));
}
