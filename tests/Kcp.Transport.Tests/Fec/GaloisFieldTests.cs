using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class GaloisFieldTests
{
    [Fact]
    public void Pow_OfGenerator_FollowsPolynomial0x11D()
    {
        // kcp-wire.md §3.3: the exp table begins 01 02 04 08 10 20 40 80 1d 3a 74 e8 cd 87 13 26.
        byte[] expected = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1d, 0x3a, 0x74, 0xe8, 0xcd, 0x87, 0x13, 0x26];
        for (int n = 0; n < expected.Length; n++)
        {
            Assert.Equal(expected[n], GaloisField.Pow(2, n));
        }
    }

    [Fact]
    public void Mul_AllPairs_EqualsCarrylessMultiplyReducedBy0x11D()
    {
        for (int a = 0; a < 256; a++)
        {
            ReadOnlySpan<byte> row = GaloisField.MulRow((byte)a);
            for (int b = 0; b < 256; b++)
            {
                byte expected = ReferenceMul((byte)a, (byte)b);
                Assert.Equal(expected, GaloisField.Mul((byte)a, (byte)b));
                Assert.Equal(expected, row[b]);
            }
        }
    }

    [Fact]
    public void Inverse_EveryNonZeroElement_MultipliesToOne()
    {
        for (int a = 1; a < 256; a++)
        {
            Assert.Equal(1, GaloisField.Mul((byte)a, GaloisField.Inverse((byte)a)));
        }
    }

    [Fact]
    public void Div_ByZero_Throws() => Assert.Throws<DivideByZeroException>(() => GaloisField.Div(3, 0));

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(0, 3, 0)]
    [InlineData(7, 0, 1)]
    [InlineData(3, 2, 5)]
    public void Pow_VandermondeConventions_Hold(int a, int n, int expected)
        => Assert.Equal(expected, GaloisField.Pow((byte)a, n));

    private static byte ReferenceMul(byte a, byte b)
    {
        int product = 0;
        for (int i = 0; i < 8; i++)
        {
            if ((b & (1 << i)) != 0)
            {
                product ^= a << i;
            }
        }

        for (int bit = 14; bit >= 8; bit--)
        {
            if ((product & (1 << bit)) != 0)
            {
                product ^= GaloisField.Polynomial << (bit - 8);
            }
        }

        return (byte)product;
    }
}
