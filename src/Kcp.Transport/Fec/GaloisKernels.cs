using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kcp.Transport.Fec;

/// <summary>
/// output = XOR over j of coefficient[j] · input[j], over a byte range shared by every shard; the only per-byte code
/// of the Reed-Solomon codec, in a scalar and two vectorised forms chosen at run time.
/// </summary>
/// <remarks>
/// Each vector step loads 32 bytes of every input and accumulates in a register, so the output is written once and
/// never read: for kcp-go's ≤ 1500-byte shards everything stays in L1.
/// </remarks>
internal static class GaloisKernels
{
    private const int VectorBytes = 32;

    // Per coefficient c: c·x for x = 0..15 (low nibble) and c·(x << 4) (high nibble), repeated in both 128-bit lanes
    // because vpshufb looks up within each lane.
    private static readonly Vector256<byte>[] s_lowNibble = BuildNibbleTables(shift: 0);
    private static readonly Vector256<byte>[] s_highNibble = BuildNibbleTables(shift: 4);

    // Per coefficient c: the GF(2) bit matrix of "multiply by c" in the layout vgf2p8affineqb expects, broadcast.
    private static readonly Vector256<byte>[] s_affine = BuildAffineTables();

    /// <summary>The fastest kernel this machine supports.</summary>
    public static GaloisKernel Best { get; } =
        IsSupported(GaloisKernel.Gfni) ? GaloisKernel.Gfni
        : IsSupported(GaloisKernel.Avx2) ? GaloisKernel.Avx2
        : GaloisKernel.Scalar;

    /// <summary>Whether <paramref name="kernel"/> can run on this machine.</summary>
    public static bool IsSupported(GaloisKernel kernel) => kernel switch
    {
        GaloisKernel.Scalar => true,
        GaloisKernel.Avx2 => Avx2.IsSupported,
        GaloisKernel.Gfni => Gfni.V256.IsSupported,
        _ => false,
    };

    /// <summary>
    /// output[offset..offset+length) = XOR over j of coefficients[j] · inputs[j][offset..offset+length).
    /// </summary>
    public static void Combine(
        GaloisKernel kernel,
        ReadOnlySpan<byte> coefficients,
        ReadOnlySpan<byte[]> inputs,
        byte[] output,
        int offset,
        int length)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (coefficients.Length != inputs.Length || inputs.Length == 0)
        {
            throw new ArgumentException("One coefficient per input is required.", nameof(coefficients));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int end = offset + length;
        if (output.Length < end)
        {
            throw new ArgumentException("The output is shorter than the range.", nameof(output));
        }

        // The vector loops read without bounds checks, so every input is validated here once.
        bool outputIsInput = false;
        foreach (byte[] input in inputs)
        {
            if (input is null || input.Length < end)
            {
                throw new ArgumentException("An input is missing or shorter than the range.", nameof(inputs));
            }

            outputIsInput |= ReferenceEquals(input, output);
        }

        if (kernel == GaloisKernel.Scalar || length < VectorBytes)
        {
            // A short range needs no vectors, but asking for a kernel this machine lacks is still an error.
            if (!IsSupported(kernel))
            {
                ThrowNotSupported(kernel);
            }

            CombineScalar(coefficients, inputs, output, offset, length);
            return;
        }

        int vectorLength = length & ~(VectorBytes - 1);
        CombineVectors(kernel, coefficients, inputs, output, offset, vectorLength);
        if (vectorLength == length)
        {
            return;
        }

        if (outputIsInput)
        {
            CombineScalar(coefficients, inputs, output, offset + vectorLength, length - vectorLength);
        }
        else
        {
            // The tail is redone as the range's last whole vector: the overlap gets the same bytes again, for one vector
            // step instead of up to 31 table lookups per input (a third of a 1400-byte shard's encode time).
            CombineVectors(kernel, coefficients, inputs, output, end - VectorBytes, VectorBytes);
        }
    }

    private static void CombineVectors(GaloisKernel kernel, ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, byte[] output, int offset, int length)
    {
        switch (kernel)
        {
            case GaloisKernel.Avx2 when Avx2.IsSupported:
                CombineAvx2(coefficients, inputs, output, offset, length);
                break;
            case GaloisKernel.Gfni when Gfni.V256.IsSupported:
                CombineGfni(coefficients, inputs, output, offset, length);
                break;
            default:
                ThrowNotSupported(kernel);
                break;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotSupported(GaloisKernel kernel)
        => throw new NotSupportedException($"The {kernel} kernel is not supported on this machine.");

    private static void CombineScalar(ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, byte[] output, int offset, int length)
    {
        Span<byte> dst = output.AsSpan(offset, length);
        ReadOnlySpan<byte> row = GaloisField.MulRow(coefficients[0]);
        ReadOnlySpan<byte> src = inputs[0].AsSpan(offset, length);
        for (int x = 0; x < dst.Length; x++)
        {
            dst[x] = row[src[x]];
        }

        for (int j = 1; j < inputs.Length; j++)
        {
            row = GaloisField.MulRow(coefficients[j]);
            src = inputs[j].AsSpan(offset, length);
            for (int x = 0; x < dst.Length; x++)
            {
                dst[x] ^= row[src[x]];
            }
        }
    }

    private static void CombineAvx2(ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, byte[] output, int offset, int length)
    {
        ref byte dst = ref MemoryMarshal.GetArrayDataReference(output);
        Vector256<byte> nibbleMask = Vector256.Create((byte)0x0F);
        for (int pos = offset, end = offset + length; pos < end; pos += VectorBytes)
        {
            Vector256<byte> acc = Vector256<byte>.Zero;
            for (int j = 0; j < inputs.Length; j++)
            {
                Vector256<byte> v = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(inputs[j]), (nuint)pos);
                byte c = coefficients[j];
                Vector256<byte> low = Avx2.Shuffle(s_lowNibble[c], v & nibbleMask);
                Vector256<byte> high = Avx2.Shuffle(s_highNibble[c], Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibbleMask);
                acc ^= low ^ high;
            }

            acc.StoreUnsafe(ref dst, (nuint)pos);
        }
    }

    private static void CombineGfni(ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, byte[] output, int offset, int length)
    {
        ref byte dst = ref MemoryMarshal.GetArrayDataReference(output);
        for (int pos = offset, end = offset + length; pos < end; pos += VectorBytes)
        {
            Vector256<byte> acc = Vector256<byte>.Zero;
            for (int j = 0; j < inputs.Length; j++)
            {
                Vector256<byte> v = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(inputs[j]), (nuint)pos);
                acc ^= Gfni.V256.GaloisFieldAffineTransform(v, s_affine[coefficients[j]], 0);
            }

            acc.StoreUnsafe(ref dst, (nuint)pos);
        }
    }

    private static Vector256<byte>[] BuildNibbleTables(int shift)
    {
        var tables = new Vector256<byte>[256];
        Span<byte> lane = stackalloc byte[VectorBytes];
        for (int c = 0; c < 256; c++)
        {
            for (int x = 0; x < 16; x++)
            {
                byte product = GaloisField.Mul((byte)c, (byte)(x << shift));
                lane[x] = product;
                lane[x + 16] = product;
            }

            tables[c] = Vector256.Create<byte>(lane);
        }

        return tables;
    }

    private static Vector256<byte>[] BuildAffineTables()
    {
        var tables = new Vector256<byte>[256];
        for (int c = 0; c < 256; c++)
        {
            tables[c] = Vector256.Create(AffineMatrix((byte)c)).AsByte();
        }

        return tables;
    }

    /// <summary>
    /// The qword for vgf2p8affineqb that multiplies by <paramref name="c"/>: result bit i is the parity of
    /// (matrix byte 7−i AND x), so byte 7−i holds bit i of c·2^j at bit position j.
    /// </summary>
    [SkipLocalsInit]
    internal static ulong AffineMatrix(byte c)
    {
        ulong matrix = 0;
        for (int j = 0; j < 8; j++)
        {
            byte column = GaloisField.Mul(c, (byte)(1 << j));
            for (int i = 0; i < 8; i++)
            {
                if (((column >> i) & 1) != 0)
                {
                    matrix |= 1UL << ((8 * (7 - i)) + j);
                }
            }
        }

        return matrix;
    }
}
