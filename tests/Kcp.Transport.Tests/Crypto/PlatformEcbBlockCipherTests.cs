using System.Security.Cryptography;
using Kcp.Transport.Crypto;

namespace Kcp.Transport.Tests.Crypto;

public sealed class PlatformEcbBlockCipherTests
{
    [Fact]
    public void EncryptBlocks_TripleDes_EqualsOneShotEcb()
    {
        byte[] key = SpecVectors.DefaultPass.AsSpan(0, 24).ToArray();
        byte[] data = RandomNumberGenerator.GetBytes(8 * 100);
        using var des = TripleDES.Create();
        des.Key = key;
        using var ours = PlatformEcbBlockCipher.CreateTripleDes(key);
        var actual = new byte[data.Length];

        ours.EncryptBlocks(data, actual);

        Assert.Equal(8, ours.BlockSize);
        Assert.Equal(des.EncryptEcb(data, PaddingMode.None), actual);
    }

    [Fact]
    public void EncryptBlock_Aes_MatchesKcpGoFirstKeystreamBlock()
    {
        using var ours = PlatformEcbBlockCipher.CreateAes(SpecVectors.DefaultPass);
        var block = new byte[16];

        ours.EncryptBlock(KcpCfb.InitialVector, block);

        Assert.Equal("86824140375e108ba118b5534608f79f", Convert.ToHexStringLower(block));
    }

    [Fact]
    public void CreateTripleDes_WrongKeyLength_Throws() =>
        Assert.Throws<ArgumentException>(() => PlatformEcbBlockCipher.CreateTripleDes(new byte[16]));

    [Fact]
    public void EncryptBlocks_FromManyThreads_EachThreadGetsCorrectResult()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] data = RandomNumberGenerator.GetBytes(16 * 64);
        using var aes = Aes.Create();
        aes.Key = key;
        byte[] expected = aes.EncryptEcb(data, PaddingMode.None);
        using var ours = PlatformEcbBlockCipher.CreateAes(key);
        int failures = 0;

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var actual = new byte[data.Length];
            ours.EncryptBlocks(data, actual);
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }
}
