using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class GaloisMatrixTests
{
    [Fact]
    public void Invert_RandomInvertibleMatrices_ProductIsIdentity()
    {
        var random = new Random(7);
        int inverted = 0;
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int n = random.Next(1, 12);
            var m = new GaloisMatrix(n, n);
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    m[r, c] = (byte)random.Next(256);
                }
            }

            GaloisMatrix? inverse = m.Invert();
            if (inverse is null)
            {
                continue;
            }

            inverted++;
            AssertIdentity(m.Multiply(inverse));
            AssertIdentity(inverse.Multiply(m));
        }

        Assert.True(inverted > 40, $"only {inverted} random matrices were invertible");
    }

    [Fact]
    public void Invert_SingularMatrix_ReturnsNull()
    {
        var m = new GaloisMatrix(3, 3);
        for (int c = 0; c < 3; c++)
        {
            m[0, c] = (byte)(c + 1);
            m[1, c] = GaloisField.Mul(5, (byte)(c + 1)); // a multiple of row 0
            m[2, c] = (byte)(c * 7);
        }

        Assert.Null(m.Invert());
    }

    [Fact]
    public void Vandermonde_RowsArePowersOfRowIndex()
    {
        GaloisMatrix v = GaloisMatrix.Vandermonde(5, 3);
        Assert.Equal([1, 0, 0], v.Row(0).ToArray());
        Assert.Equal([1, 1, 1], v.Row(1).ToArray());
        Assert.Equal([1, 2, 4], v.Row(2).ToArray());
        Assert.Equal([1, 4, 16], v.Row(4).ToArray());
    }

    private static void AssertIdentity(GaloisMatrix m)
    {
        for (int r = 0; r < m.Rows; r++)
        {
            for (int c = 0; c < m.Columns; c++)
            {
                Assert.Equal(r == c ? 1 : 0, m[r, c]);
            }
        }
    }
}
