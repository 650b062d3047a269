using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>Each block cipher alone: kcp-go's first keystream block, batching, and CFB against a one-block reference.</summary>
public sealed class BlockCipherTests
{
    private static readonly int[] s_lengths = [0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 255, 256, 257, 511, 512, 513, 1400, 1500, 4099];

    public static TheoryData<string> BlockNames => new()
    {
        "aes", "aes-128", "aes-192", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "sm4",
    };

    private static CfbPacketCipher Create(string name) =>
        Assert.IsType<CfbPacketCipher>(CipherRegistry.Create(name, SpecVectors.DefaultPass));

    [Theory]
    [MemberData(nameof(SpecVectors.FirstKeystreamBlocks), MemberType = typeof(SpecVectors))]
    public void EncryptBlock_InitialVector_MatchesKcpGo(string name, string expectedHex)
    {
        using CfbPacketCipher packet = Create(name);
        BlockCipher cipher = packet.Cipher;
        var output = new byte[cipher.BlockSize];

        cipher.EncryptBlock(KcpCfb.InitialVector[..cipher.BlockSize], output);

        Assert.Equal(expectedHex.Length / 2, cipher.BlockSize);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(output));
    }

    [Theory]
    [MemberData(nameof(BlockNames))]
    public void EncryptBlocks_ManyBlocks_EqualsOneAtATime(string name)
    {
        using CfbPacketCipher packet = Create(name);
        BlockCipher cipher = packet.Cipher;
        int bs = cipher.BlockSize;
        byte[] input = RandomNumberGenerator.GetBytes(bs * 77);
        var batched = new byte[input.Length];
        var single = new byte[input.Length];

        cipher.EncryptBlocks(input, batched);
        for (int i = 0; i < input.Length; i += bs)
        {
            cipher.EncryptBlock(input.AsSpan(i, bs), single.AsSpan(i, bs));
        }

        Assert.Equal(single, batched);
    }

    [Theory]
    [MemberData(nameof(BlockNames))]
    public void CfbEncrypt_AnyLength_EqualsReferenceCfb(string name)
    {
        using CfbPacketCipher packet = Create(name);
        BlockCipher cipher = packet.Cipher;
        foreach (int length in s_lengths)
        {
            byte[] plain = RandomNumberGenerator.GetBytes(length);
            byte[] data = (byte[])plain.Clone();

            cipher.CfbEncrypt(data);

            Assert.Equal(ReferenceCfbEncrypt(cipher, plain), data);
        }
    }

    [Theory]
    [MemberData(nameof(BlockNames))]
    public void CfbEncryptMany_MixedLengthsAndCounts_EqualsOneDatagramAtATime(string name)
    {
        using CfbPacketCipher packet = Create(name);
        BlockCipher cipher = packet.Cipher;
        const int Stride = 1536;
        var random = new Random(name.Length);

        // Counts around the lane widths (8 lanes, then one at a time); lengths equal (one flush of full segments), or
        // mixed, so that lanes in lockstep part at different blocks.
        foreach (int count in new[] { 0, 1, 7, 8, 9, 16, 19 })
        {
            foreach (bool sameLength in new[] { true, false })
            {
                int[] lengths = new int[count];
                int shared = random.Next(0, Stride + 1);
                for (int k = 0; k < count; k++)
                {
                    lengths[k] = sameLength ? shared : s_lengths[random.Next(s_lengths.Length - 1)] % (Stride + 1);
                }

                byte[] region = RandomNumberGenerator.GetBytes(Math.Max(count, 1) * Stride);
                byte[] expected = (byte[])region.Clone();
                for (int k = 0; k < count; k++)
                {
                    cipher.CfbEncrypt(expected.AsSpan(k * Stride, lengths[k]));
                }

                cipher.CfbEncryptMany(region, Stride, lengths);

                Assert.Equal(expected, region);
            }
        }
    }

    [Fact]
    public void CfbEncryptMany_DatagramLongerThanStride_Throws()
    {
        using CfbPacketCipher packet = Create("aes");

        Assert.Throws<ArgumentException>(() => packet.Cipher.CfbEncryptMany(new byte[64 * 8], 64, [64, 64, 64, 65, 64, 64, 64, 64]));
    }

    [Theory]
    [MemberData(nameof(BlockNames))]
    public void CfbDecrypt_AnyLength_InvertsEncrypt(string name)
    {
        using CfbPacketCipher packet = Create(name);
        BlockCipher cipher = packet.Cipher;
        foreach (int length in s_lengths)
        {
            byte[] plain = RandomNumberGenerator.GetBytes(length);
            byte[] data = (byte[])plain.Clone();

            cipher.CfbEncrypt(data);
            if (length > 0)
            {
                Assert.NotEqual(plain, data);
            }

            cipher.CfbDecrypt(data);

            Assert.Equal(plain, data);
        }
    }

    [Fact]
    public void Tea_FirstKeystreamBlock_DiffersFromStandard32CycleTea()
    {
        // kcp-go's TEA runs 8 cycles; BouncyCastle's TeaEngine runs 32 and must give a different block.
        var standard = new Org.BouncyCastle.Crypto.Engines.TeaEngine();
        standard.Init(true, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(SpecVectors.DefaultPass, 0, 16));
        var expected = new byte[8];
        standard.ProcessBlock(KcpCfb.InitialVector[..8], expected);
        using var tea = new TeaBlockCipher(SpecVectors.DefaultPass.AsSpan(0, 16));
        var actual = new byte[8];

        tea.EncryptBlock(KcpCfb.InitialVector[..8], actual);

        Assert.NotEqual(expected, actual);
        Assert.Equal("fc9d4cb7acec562c", Convert.ToHexStringLower(actual));
    }

    /// <summary>RFC 2144 Appendix B.1: one block under a 128-, 80- and 40-bit key (16, 12 and 12 rounds).</summary>
    [Theory]
    [InlineData("0123456712345678234567893456789a", "238b4fe5847e44b2")]
    [InlineData("01234567123456782345", "eb6a711a2c02271b")]
    [InlineData("0123456712", "7ac816d16e9b302e")]
    public void Cast5_Rfc2144Vectors(string keyHex, string cipherHex)
    {
        using var cast5 = new Cast5BlockCipher(Convert.FromHexString(keyHex));
        var output = new byte[8];

        cast5.EncryptBlock(Convert.FromHexString("0123456789abcdef"), output);

        Assert.Equal(cipherHex, Convert.ToHexStringLower(output));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(16)]
    public void Cast5_RandomBlocks_EqualBouncyCastleEngine(int keyLength)
    {
        byte[] key = RandomNumberGenerator.GetBytes(keyLength);
        var engine = new Org.BouncyCastle.Crypto.Engines.Cast5Engine();
        engine.Init(true, new Org.BouncyCastle.Crypto.Parameters.KeyParameter(key));
        using var ours = new Cast5BlockCipher(key);
        byte[] input = RandomNumberGenerator.GetBytes(8 * 50);
        var expected = new byte[input.Length];
        var actual = new byte[input.Length];
        for (int i = 0; i < input.Length; i += 8)
        {
            engine.ProcessBlock(input.AsSpan(i, 8), expected.AsSpan(i, 8));
        }

        ours.EncryptBlocks(input, actual);

        Assert.Equal(expected, actual);
    }

    /// <summary>The textbook definition, one block call per step (kcp-wire.md §4.1).</summary>
    private static byte[] ReferenceCfbEncrypt(BlockCipher cipher, byte[] plain)
    {
        int bs = cipher.BlockSize;
        var output = new byte[plain.Length];
        var r = new byte[bs];
        cipher.EncryptBlock(KcpCfb.InitialVector[..bs], r);
        for (int i = 0; i < plain.Length; i += bs)
        {
            int n = Math.Min(bs, plain.Length - i);
            for (int j = 0; j < n; j++)
            {
                output[i + j] = (byte)(plain[i + j] ^ r[j]);
            }

            if (n == bs)
            {
                cipher.EncryptBlock(output.AsSpan(i, bs), r);
            }
        }

        return output;
    }
}
