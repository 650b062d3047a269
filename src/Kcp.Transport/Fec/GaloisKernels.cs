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
    private const int RowsPerPass = 4;

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
        => CombineRows(kernel, coefficients, inputs, new ReadOnlySpan<byte[]>(in output), offset, length);

    /// <summary>
    /// For every output r: outputs[r][offset..offset+length) = XOR over j of matrix[r·inputs + j] · inputs[j][…];
    /// <paramref name="matrix"/> is row-major, one row per output. Each input is read once for up to four outputs.
    /// </summary>
    public static void CombineRows(
        GaloisKernel kernel,
        ReadOnlySpan<byte> matrix,
        ReadOnlySpan<byte[]> inputs,
        ReadOnlySpan<byte[]> outputs,
        int offset,
        int length)
    {
        if (inputs.Length == 0 || outputs.Length == 0 || matrix.Length != inputs.Length * outputs.Length)
        {
            throw new ArgumentException("The matrix needs one coefficient per input and output.", nameof(matrix));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int end = offset + length;

        // The vector loops access memory without bounds checks, so every shard is validated here once.
        foreach (byte[] input in inputs)
        {
            if (input is null || input.Length < end)
            {
                throw new ArgumentException("An input is missing or shorter than the range.", nameof(inputs));
            }
        }

        foreach (byte[] output in outputs)
        {
            if (output is null || output.Length < end)
            {
                throw new ArgumentException("An output is missing or shorter than the range.", nameof(outputs));
            }
        }

        int vectorLength = kernel == GaloisKernel.Scalar ? 0 : length & ~(VectorBytes - 1);
        int k = inputs.Length;
        for (int first = 0; first < outputs.Length; first += RowsPerPass)
        {
            int rows = Math.Min(RowsPerPass, outputs.Length - first);
            ReadOnlySpan<byte> coefficients = matrix.Slice(first * k, rows * k);
            ReadOnlySpan<byte[]> targets = outputs.Slice(first, rows);
            switch (kernel)
            {
                case GaloisKernel.Scalar:
                    break;
                case GaloisKernel.Avx2 when Avx2.IsSupported:
                    CombineAvx2(coefficients, inputs, targets, offset, vectorLength);
                    break;
                case GaloisKernel.Gfni when Gfni.V256.IsSupported:
                    CombineGfni(coefficients, inputs, targets, offset, vectorLength);
                    break;
                default:
                    throw new NotSupportedException($"The {kernel} kernel is not supported on this machine.");
            }

            if (vectorLength < length)
            {
                for (int r = 0; r < rows; r++)
                {
                    CombineScalar(coefficients.Slice(r * k, k), inputs, targets[r], offset + vectorLength, length - vectorLength);
                }
            }
        }
    }

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

    // Up to four accumulators live in registers; the row-count tests are loop-invariant and predicted perfectly.
    private static void CombineAvx2(ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, ReadOnlySpan<byte[]> outputs, int offset, int length)
    {
        int k = inputs.Length;
        int rows = outputs.Length;
        ReadOnlySpan<byte> c0 = coefficients[..k];
        ReadOnlySpan<byte> c1 = rows > 1 ? coefficients.Slice(k, k) : c0;
        ReadOnlySpan<byte> c2 = rows > 2 ? coefficients.Slice(2 * k, k) : c0;
        ReadOnlySpan<byte> c3 = rows > 3 ? coefficients.Slice(3 * k, k) : c0;
        Vector256<byte> nibbleMask = Vector256.Create((byte)0x0F);
        for (int pos = offset, end = offset + length; pos < end; pos += VectorBytes)
        {
            Vector256<byte> acc0 = Vector256<byte>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int j = 0; j < k; j++)
            {
                Vector256<byte> v = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(inputs[j]), (nuint)pos);
                Vector256<byte> low = v & nibbleMask;
                Vector256<byte> high = Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibbleMask;
                acc0 ^= MulAvx2(low, high, c0[j]);

                if (rows > 1)
                {
                    acc1 ^= MulAvx2(low, high, c1[j]);
                }

                if (rows > 2)
                {
                    acc2 ^= MulAvx2(low, high, c2[j]);
                }

                if (rows > 3)
                {
                    acc3 ^= MulAvx2(low, high, c3[j]);
                }
            }

            Store(acc0, acc1, acc2, acc3, outputs, pos);
        }
    }

    private static void CombineGfni(ReadOnlySpan<byte> coefficients, ReadOnlySpan<byte[]> inputs, ReadOnlySpan<byte[]> outputs, int offset, int length)
    {
        int k = inputs.Length;
        int rows = outputs.Length;
        ReadOnlySpan<byte> c0 = coefficients[..k];
        ReadOnlySpan<byte> c1 = rows > 1 ? coefficients.Slice(k, k) : c0;
        ReadOnlySpan<byte> c2 = rows > 2 ? coefficients.Slice(2 * k, k) : c0;
        ReadOnlySpan<byte> c3 = rows > 3 ? coefficients.Slice(3 * k, k) : c0;
        for (int pos = offset, end = offset + length; pos < end; pos += VectorBytes)
        {
            Vector256<byte> acc0 = Vector256<byte>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int j = 0; j < k; j++)
            {
                Vector256<byte> v = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(inputs[j]), (nuint)pos);
                acc0 ^= Gfni.V256.GaloisFieldAffineTransform(v, s_affine[c0[j]], 0);

                if (rows > 1)
                {
                    acc1 ^= Gfni.V256.GaloisFieldAffineTransform(v, s_affine[c1[j]], 0);
                }

                if (rows > 2)
                {
                    acc2 ^= Gfni.V256.GaloisFieldAffineTransform(v, s_affine[c2[j]], 0);
                }

                if (rows > 3)
                {
                    acc3 ^= Gfni.V256.GaloisFieldAffineTransform(v, s_affine[c3[j]], 0);
                }
            }

            Store(acc0, acc1, acc2, acc3, outputs, pos);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> MulAvx2(Vector256<byte> lowNibbles, Vector256<byte> highNibbles, byte c)
        => Avx2.Shuffle(s_lowNibble[c], lowNibbles) ^ Avx2.Shuffle(s_highNibble[c], highNibbles);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<byte> acc0, Vector256<byte> acc1, Vector256<byte> acc2, Vector256<byte> acc3, ReadOnlySpan<byte[]> outputs, int pos)
    {
        acc0.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[0]), (nuint)pos);
        if (outputs.Length > 1)
        {
            acc1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[1]), (nuint)pos);
        }

        if (outputs.Length > 2)
        {
            acc2.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[2]), (nuint)pos);
        }

        if (outputs.Length > 3)
        {
            acc3.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(outputs[3]), (nuint)pos);
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
