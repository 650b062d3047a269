using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Kcp.Transport.Crypto;

/// <summary>
/// Salsa20/20 keystream (Bernstein's original: 256-bit key, 64-bit nonce, 64-bit little-endian block counter from 0),
/// as kcp-go's salsa20 mode uses it (kcp-wire.md §4.3). Our own code rather than BouncyCastle's <c>Salsa20Engine</c>:
/// that engine is stateful and needs parameter objects per nonce, and every datagram has a new nonce. On AVX2 eight
/// blocks are computed side by side, one 32-bit lane per block.
/// </summary>
internal static class Salsa20
{
    private const int BlockBytes = 64;
    private const int WideBlocks = 8;
    private const uint Sigma0 = 0x61707865;
    private const uint Sigma1 = 0x3320646e;
    private const uint Sigma2 = 0x79622d32;
    private const uint Sigma3 = 0x6b206574;

    /// <summary>Reads the 32-byte key as the eight little-endian key words the core expects.</summary>
    public static void ExpandKey(ReadOnlySpan<byte> key, Span<uint> keyWords)
    {
        if (key.Length != 32 || keyWords.Length != 8)
        {
            throw new ArgumentException("Salsa20 needs a 32-byte key.", nameof(key));
        }

        for (int i = 0; i < 8; i++)
        {
            keyWords[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        }
    }

    /// <summary>XORs the keystream for (<paramref name="keyWords"/>, <paramref name="nonce"/>) onto <paramref name="data"/>.</summary>
    public static void XorKeyStream(Span<byte> data, ReadOnlySpan<byte> nonce, ReadOnlySpan<uint> keyWords)
    {
        if (Avx2.IsSupported)
        {
            XorKeyStreamAvx2(data, nonce, keyWords);
        }
        else
        {
            XorKeyStreamScalar(data, nonce, keyWords);
        }
    }

    /// <summary>Portable one-block-at-a-time path; also the reference the vector path is tested against.</summary>
    internal static void XorKeyStreamScalar(Span<byte> data, ReadOnlySpan<byte> nonce, ReadOnlySpan<uint> keyWords, ulong counter = 0)
    {
        Span<uint> input = stackalloc uint[16];
        InitState(input, nonce, keyWords);
        Span<byte> block = stackalloc byte[BlockBytes];
        for (int offset = 0; offset < data.Length; offset += BlockBytes, counter++)
        {
            input[8] = (uint)counter;
            input[9] = (uint)(counter >> 32);
            Block(input, block);
            int n = Math.Min(BlockBytes, data.Length - offset);
            CryptoXor.Apply(data.Slice(offset, n), block[..n]);
        }

        block.Clear();
    }

    /// <summary>AVX2 path: eight consecutive blocks per iteration. Call only when <see cref="Avx2.IsSupported"/>.</summary>
    internal static void XorKeyStreamAvx2(Span<byte> data, ReadOnlySpan<byte> nonce, ReadOnlySpan<uint> keyWords, ulong counter = 0)
    {
        Span<uint> input = stackalloc uint[16];
        InitState(input, nonce, keyWords);
        Span<byte> keystream = stackalloc byte[WideBlocks * BlockBytes];
        for (int offset = 0; offset < data.Length; offset += WideBlocks * BlockBytes, counter += WideBlocks)
        {
            int n = Math.Min(WideBlocks * BlockBytes, data.Length - offset);
            if (n <= BlockBytes)
            {
                // One block or less left: the wide path would compute seven unused blocks.
                XorKeyStreamScalar(data.Slice(offset, n), nonce, keyWords, counter);
                break;
            }

            Blocks8(input, counter, keystream);
            CryptoXor.Apply(data.Slice(offset, n), keystream[..n]);
        }

        keystream.Clear();
    }

    private static void InitState(Span<uint> s, ReadOnlySpan<byte> nonce, ReadOnlySpan<uint> k)
    {
        if (nonce.Length != 8 || k.Length != 8)
        {
            throw new ArgumentException("Salsa20 needs an 8-byte nonce and eight key words.");
        }

        s[0] = Sigma0;
        s[1] = k[0];
        s[2] = k[1];
        s[3] = k[2];
        s[4] = k[3];
        s[5] = Sigma1;
        s[6] = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        s[7] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
        s[8] = 0;
        s[9] = 0;
        s[10] = Sigma2;
        s[11] = k[4];
        s[12] = k[5];
        s[13] = k[6];
        s[14] = k[7];
        s[15] = Sigma3;
    }

    private static void Block(ReadOnlySpan<uint> input, Span<byte> output)
    {
        uint x0 = input[0], x1 = input[1], x2 = input[2], x3 = input[3];
        uint x4 = input[4], x5 = input[5], x6 = input[6], x7 = input[7];
        uint x8 = input[8], x9 = input[9], x10 = input[10], x11 = input[11];
        uint x12 = input[12], x13 = input[13], x14 = input[14], x15 = input[15];
        for (int i = 0; i < 10; i++)
        {
            // Column round.
            x4 ^= BitOperations.RotateLeft(x0 + x12, 7);
            x8 ^= BitOperations.RotateLeft(x4 + x0, 9);
            x12 ^= BitOperations.RotateLeft(x8 + x4, 13);
            x0 ^= BitOperations.RotateLeft(x12 + x8, 18);
            x9 ^= BitOperations.RotateLeft(x5 + x1, 7);
            x13 ^= BitOperations.RotateLeft(x9 + x5, 9);
            x1 ^= BitOperations.RotateLeft(x13 + x9, 13);
            x5 ^= BitOperations.RotateLeft(x1 + x13, 18);
            x14 ^= BitOperations.RotateLeft(x10 + x6, 7);
            x2 ^= BitOperations.RotateLeft(x14 + x10, 9);
            x6 ^= BitOperations.RotateLeft(x2 + x14, 13);
            x10 ^= BitOperations.RotateLeft(x6 + x2, 18);
            x3 ^= BitOperations.RotateLeft(x15 + x11, 7);
            x7 ^= BitOperations.RotateLeft(x3 + x15, 9);
            x11 ^= BitOperations.RotateLeft(x7 + x3, 13);
            x15 ^= BitOperations.RotateLeft(x11 + x7, 18);

            // Row round.
            x1 ^= BitOperations.RotateLeft(x0 + x3, 7);
            x2 ^= BitOperations.RotateLeft(x1 + x0, 9);
            x3 ^= BitOperations.RotateLeft(x2 + x1, 13);
            x0 ^= BitOperations.RotateLeft(x3 + x2, 18);
            x6 ^= BitOperations.RotateLeft(x5 + x4, 7);
            x7 ^= BitOperations.RotateLeft(x6 + x5, 9);
            x4 ^= BitOperations.RotateLeft(x7 + x6, 13);
            x5 ^= BitOperations.RotateLeft(x4 + x7, 18);
            x11 ^= BitOperations.RotateLeft(x10 + x9, 7);
            x8 ^= BitOperations.RotateLeft(x11 + x10, 9);
            x9 ^= BitOperations.RotateLeft(x8 + x11, 13);
            x10 ^= BitOperations.RotateLeft(x9 + x8, 18);
            x12 ^= BitOperations.RotateLeft(x15 + x14, 7);
            x13 ^= BitOperations.RotateLeft(x12 + x15, 9);
            x14 ^= BitOperations.RotateLeft(x13 + x12, 13);
            x15 ^= BitOperations.RotateLeft(x14 + x13, 18);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + input[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + input[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + input[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + input[3]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + input[4]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + input[5]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + input[6]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + input[7]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + input[8]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + input[9]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + input[10]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + input[11]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + input[12]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + input[13]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + input[14]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + input[15]);
    }

    /// <summary>Eight blocks with counters <paramref name="counter"/> … +7; word i of block b is lane b of vector i.</summary>
    private static void Blocks8(ReadOnlySpan<uint> input, ulong counter, Span<byte> output)
    {
        Vector256<uint> i0 = Vector256.Create(input[0]), i1 = Vector256.Create(input[1]);
        Vector256<uint> i2 = Vector256.Create(input[2]), i3 = Vector256.Create(input[3]);
        Vector256<uint> i4 = Vector256.Create(input[4]), i5 = Vector256.Create(input[5]);
        Vector256<uint> i6 = Vector256.Create(input[6]), i7 = Vector256.Create(input[7]);
        Vector256<uint> i8 = Vector256.Create(
            (uint)counter, (uint)(counter + 1), (uint)(counter + 2), (uint)(counter + 3),
            (uint)(counter + 4), (uint)(counter + 5), (uint)(counter + 6), (uint)(counter + 7));
        Vector256<uint> i9 = Vector256.Create(
            (uint)(counter >> 32), (uint)((counter + 1) >> 32), (uint)((counter + 2) >> 32), (uint)((counter + 3) >> 32),
            (uint)((counter + 4) >> 32), (uint)((counter + 5) >> 32), (uint)((counter + 6) >> 32), (uint)((counter + 7) >> 32));
        Vector256<uint> i10 = Vector256.Create(input[10]), i11 = Vector256.Create(input[11]);
        Vector256<uint> i12 = Vector256.Create(input[12]), i13 = Vector256.Create(input[13]);
        Vector256<uint> i14 = Vector256.Create(input[14]), i15 = Vector256.Create(input[15]);

        Vector256<uint> x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
        Vector256<uint> x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = i12, x13 = i13, x14 = i14, x15 = i15;
        for (int i = 0; i < 10; i++)
        {
            x4 ^= Rotl(x0 + x12, 7);
            x8 ^= Rotl(x4 + x0, 9);
            x12 ^= Rotl(x8 + x4, 13);
            x0 ^= Rotl(x12 + x8, 18);
            x9 ^= Rotl(x5 + x1, 7);
            x13 ^= Rotl(x9 + x5, 9);
            x1 ^= Rotl(x13 + x9, 13);
            x5 ^= Rotl(x1 + x13, 18);
            x14 ^= Rotl(x10 + x6, 7);
            x2 ^= Rotl(x14 + x10, 9);
            x6 ^= Rotl(x2 + x14, 13);
            x10 ^= Rotl(x6 + x2, 18);
            x3 ^= Rotl(x15 + x11, 7);
            x7 ^= Rotl(x3 + x15, 9);
            x11 ^= Rotl(x7 + x3, 13);
            x15 ^= Rotl(x11 + x7, 18);

            x1 ^= Rotl(x0 + x3, 7);
            x2 ^= Rotl(x1 + x0, 9);
            x3 ^= Rotl(x2 + x1, 13);
            x0 ^= Rotl(x3 + x2, 18);
            x6 ^= Rotl(x5 + x4, 7);
            x7 ^= Rotl(x6 + x5, 9);
            x4 ^= Rotl(x7 + x6, 13);
            x5 ^= Rotl(x4 + x7, 18);
            x11 ^= Rotl(x10 + x9, 7);
            x8 ^= Rotl(x11 + x10, 9);
            x9 ^= Rotl(x8 + x11, 13);
            x10 ^= Rotl(x9 + x8, 18);
            x12 ^= Rotl(x15 + x14, 7);
            x13 ^= Rotl(x12 + x15, 9);
            x14 ^= Rotl(x13 + x12, 13);
            x15 ^= Rotl(x14 + x13, 18);
        }

        StoreGroup(x0 + i0, x1 + i1, x2 + i2, x3 + i3, output, 0);
        StoreGroup(x4 + i4, x5 + i5, x6 + i6, x7 + i7, output, 16);
        StoreGroup(x8 + i8, x9 + i9, x10 + i10, x11 + i11, output, 32);
        StoreGroup(x12 + i12, x13 + i13, x14 + i14, x15 + i15, output, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotl(Vector256<uint> v, [ConstantExpected] byte n) =>
        Avx512F.VL.IsSupported
            ? Avx512F.VL.RotateLeft(v, n)
            : Vector256.ShiftLeft(v, n) | Vector256.ShiftRightLogical(v, 32 - n);

    /// <summary>
    /// Transposes four word-vectors (words w..w+3 of eight blocks) into per-block 16-byte rows. AVX2 unpacks work inside
    /// each 128-bit half, so the low half of each result belongs to block b and the high half to block b + 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGroup(Vector256<uint> a, Vector256<uint> b, Vector256<uint> c, Vector256<uint> d, Span<byte> output, int column)
    {
        Vector256<ulong> ab0 = Avx2.UnpackLow(a, b).AsUInt64();
        Vector256<ulong> ab1 = Avx2.UnpackHigh(a, b).AsUInt64();
        Vector256<ulong> cd0 = Avx2.UnpackLow(c, d).AsUInt64();
        Vector256<ulong> cd1 = Avx2.UnpackHigh(c, d).AsUInt64();
        StoreRow(Avx2.UnpackLow(ab0, cd0).AsByte(), output, column, 0);
        StoreRow(Avx2.UnpackHigh(ab0, cd0).AsByte(), output, column, 1);
        StoreRow(Avx2.UnpackLow(ab1, cd1).AsByte(), output, column, 2);
        StoreRow(Avx2.UnpackHigh(ab1, cd1).AsByte(), output, column, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<byte> row, Span<byte> output, int column, int block)
    {
        row.GetLower().CopyTo(output[((block * BlockBytes) + column)..]);
        row.GetUpper().CopyTo(output[(((block + 4) * BlockBytes) + column)..]);
    }
}
