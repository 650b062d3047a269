using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using Kcp.Transport.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Kcp.Transport.Tests.Crypto;

/// <summary>Our Salsa20/20 against BouncyCastle's <c>Salsa20Engine</c> and its two code paths against each other.</summary>
public sealed class Salsa20Tests
{
    private static readonly int[] s_lengths = [0, 1, 63, 64, 65, 127, 128, 129, 511, 512, 513, 575, 1392, 1492, 5000];

    private static byte[] BouncyCastleKeystreamXor(byte[] key, byte[] nonce, byte[] data)
    {
        var engine = new Salsa20Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        var output = new byte[data.Length];
        engine.ProcessBytes(data, 0, data.Length, output, 0);
        return output;
    }

    [Fact]
    public void XorKeyStream_RandomInputs_EqualsBouncyCastle()
    {
        foreach (int length in s_lengths)
        {
            byte[] key = RandomNumberGenerator.GetBytes(32);
            byte[] nonce = RandomNumberGenerator.GetBytes(8);
            byte[] data = RandomNumberGenerator.GetBytes(length);
            var words = new uint[8];
            Salsa20.ExpandKey(key, words);
            byte[] expected = BouncyCastleKeystreamXor(key, nonce, data);

            byte[] scalar = (byte[])data.Clone();
            Salsa20.XorKeyStreamScalar(scalar, nonce, words);
            byte[] dispatched = (byte[])data.Clone();
            Salsa20.XorKeyStream(dispatched, nonce, words);

            Assert.Equal(expected, scalar);
            Assert.Equal(expected, dispatched);
            if (Avx2.IsSupported)
            {
                byte[] wide = (byte[])data.Clone();
                Salsa20.XorKeyStreamAvx2(wide, nonce, words);
                Assert.Equal(expected, wide);
            }
        }
    }

    [Fact]
    public void XorKeyStreamAvx2_CounterCrossing32Bits_EqualsScalar()
    {
        if (!Avx2.IsSupported)
        {
            return;
        }

        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] nonce = RandomNumberGenerator.GetBytes(8);
        var words = new uint[8];
        Salsa20.ExpandKey(key, words);
        byte[] data = RandomNumberGenerator.GetBytes(64 * 20);
        byte[] scalar = (byte[])data.Clone();
        byte[] wide = (byte[])data.Clone();
        const ulong Counter = 0xFFFF_FFFCUL;

        Salsa20.XorKeyStreamScalar(scalar, nonce, words, Counter);
        Salsa20.XorKeyStreamAvx2(wide, nonce, words, Counter);

        Assert.Equal(scalar, wide);
    }

    [Fact]
    public void ExpandKey_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => Salsa20.ExpandKey(new byte[16], new uint[8]));
}
