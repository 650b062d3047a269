namespace Kcp.Transport.Fec;

/// <summary>Scalar arithmetic in GF(2^8) with the reducing polynomial and generator klauspost/reedsolomon uses.</summary>
/// <remarks>
/// The field must match kcp-go's codec bit for bit, otherwise parity is not interchangeable
/// (kcp-wire.md §3.3): polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator 2.
/// </remarks>
internal static class GaloisField
{
    /// <summary>The reducing polynomial x^8 + x^4 + x^3 + x^2 + 1.</summary>
    public const int Polynomial = 0x11D;

    // Doubled so that Exp[Log[a] + Log[b]] never needs a modulo.
    private static readonly byte[] s_exp = BuildExp();
    private static readonly byte[] s_log = BuildLog(s_exp);

    /// <summary>Full product table, row <c>a</c> at <c>a * 256</c>: the scalar kernel reads one row per coefficient.</summary>
    private static readonly byte[] s_mulTable = BuildMulTable();

    /// <summary>The 256 products of <paramref name="coefficient"/> with every field element.</summary>
    public static ReadOnlySpan<byte> MulRow(byte coefficient) => s_mulTable.AsSpan(coefficient * 256, 256);

    /// <summary>a · b.</summary>
    public static byte Mul(byte a, byte b)
        => a == 0 || b == 0 ? (byte)0 : s_exp[s_log[a] + s_log[b]];

    /// <summary>a / b; <paramref name="b"/> must not be zero.</summary>
    public static byte Div(byte a, byte b)
    {
        if (b == 0)
        {
            throw new DivideByZeroException();
        }

        return a == 0 ? (byte)0 : s_exp[s_log[a] + 255 - s_log[b]];
    }

    /// <summary>The multiplicative inverse of a non-zero element.</summary>
    public static byte Inverse(byte a) => Div(1, a);

    /// <summary>a^n with the convention the Vandermonde construction needs: a^0 = 1 (even for a = 0), 0^n = 0.</summary>
    public static byte Pow(byte a, int n)
    {
        if (n == 0)
        {
            return 1;
        }

        if (a == 0)
        {
            return 0;
        }

        return s_exp[s_log[a] * n % 255];
    }

    private static byte[] BuildExp()
    {
        var exp = new byte[510];
        int x = 1;
        for (int i = 0; i < 255; i++)
        {
            exp[i] = (byte)x;
            exp[i + 255] = (byte)x;
            x <<= 1;
            if ((x & 0x100) != 0)
            {
                x ^= Polynomial;
            }
        }

        return exp;
    }

    private static byte[] BuildLog(byte[] exp)
    {
        var log = new byte[256];
        for (int i = 0; i < 255; i++)
        {
            log[exp[i]] = (byte)i;
        }

        return log;
    }

    private static byte[] BuildMulTable()
    {
        var table = new byte[256 * 256];
        for (int a = 1; a < 256; a++)
        {
            for (int b = 1; b < 256; b++)
            {
                table[(a * 256) + b] = s_exp[s_log[a] + s_log[b]];
            }
        }

        return table;
    }
}
