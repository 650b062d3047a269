using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace Kcp.Transport.Crypto;

/// <summary>
/// AES-GCM (NIST SP 800-38D) for 12-byte nonces, 16-byte tags and no associated data, on the AES instructions (counter
/// mode eight blocks at a time, <see cref="AesNiBlockCipher"/>) and carry-less multiplication for GHASH. Stateless
/// after construction, so one instance serves every thread. Opening checks the tag before decrypting anything.
/// </summary>
internal sealed class AesNiGcm : GcmCipher
{
    private const int BlockSize = 16;
    private const int AggregatedBlocks = 8;

    private readonly AesNiBlockCipher _aes;

    // Hash key powers H⁸, H⁷, ..., H¹ (H = E(0)), byte-reversed once, as GHASH multiplies in that order: eight blocks
    // are multiplied by them and summed before one reduction, instead of eight multiplications in a chain.
    private readonly Vector128<ulong>[] _powers = new Vector128<ulong>[AggregatedBlocks];

    /// <summary>Expands a 16-, 24- or 32-byte key. Check <see cref="IsSupported"/> first.</summary>
    public AesNiGcm(ReadOnlySpan<byte> key)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("The CPU has no AES or carry-less multiply instructions.");
        }

        _aes = new AesNiBlockCipher(key);
        Vector128<ulong> h = Reverse(_aes.Encrypt(Vector128<byte>.Zero)).AsUInt64();
        Vector128<ulong> power = h;
        for (int k = AggregatedBlocks - 1; k >= 0; k--)
        {
            _powers[k] = power;
            power = Multiply(power, h);
        }
    }

    /// <summary>True when the CPU has the instructions this implementation needs.</summary>
    public static bool IsSupported => AesNi.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    /// <inheritdoc/>
    public override void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag)
    {
        Vector128<byte> j0 = CounterBlock(nonce);
        Ctr(j0, text);
        Tag(j0, text).CopyTo(tag[..BlockSize]);
    }

    /// <inheritdoc/>
    public override bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag)
    {
        Vector128<byte> j0 = CounterBlock(nonce);
        Span<byte> expected = stackalloc byte[BlockSize];
        Tag(j0, text).CopyTo(expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag[..BlockSize]))
        {
            return false;
        }

        Ctr(j0, text);
        return true;
    }

    /// <inheritdoc/>
    public override void Dispose() => _aes.Dispose();

    /// <summary>J0 = nonce ‖ 0x00000001 for a 96-bit nonce.</summary>
    private static Vector128<byte> CounterBlock(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != AesGcmPacketCipher.NonceSize)
        {
            throw new ArgumentException("AES-GCM here takes 12-byte nonces.", nameof(nonce));
        }

        Span<byte> block = stackalloc byte[BlockSize];
        nonce.CopyTo(block);
        BinaryPrimitives.WriteUInt32BigEndian(block[12..], 1);
        return Vector128.Create((ReadOnlySpan<byte>)block);
    }

    /// <summary>The counter block <paramref name="j0"/> with its last 32 bits (big-endian) advanced by <paramref name="n"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(Vector128<byte> j0, uint n)
    {
        uint counter = BinaryPrimitives.ReverseEndianness(j0.AsUInt32().GetElement(3)) + n;
        return j0.AsUInt32().WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte();
    }

    /// <summary>XORs <paramref name="text"/> with the keystream E(inc32(J0)), E(inc32²(J0)), ...</summary>
    private void Ctr(Vector128<byte> j0, Span<byte> text)
    {
        ref byte p = ref MemoryMarshal.GetReference(text);
        int n = text.Length;
        int i = 0;
        uint next = 1;
        for (; i + (8 * BlockSize) <= n; i += 8 * BlockSize, next += 8)
        {
            _aes.Encrypt8(
                Counter(j0, next), Counter(j0, next + 1), Counter(j0, next + 2), Counter(j0, next + 3),
                Counter(j0, next + 4), Counter(j0, next + 5), Counter(j0, next + 6), Counter(j0, next + 7),
                out var k0, out var k1, out var k2, out var k3, out var k4, out var k5, out var k6, out var k7);
            (Vector128.LoadUnsafe(ref p, (nuint)i) ^ k0).StoreUnsafe(ref p, (nuint)i);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 16) ^ k1).StoreUnsafe(ref p, (nuint)i + 16);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 32) ^ k2).StoreUnsafe(ref p, (nuint)i + 32);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 48) ^ k3).StoreUnsafe(ref p, (nuint)i + 48);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 64) ^ k4).StoreUnsafe(ref p, (nuint)i + 64);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 80) ^ k5).StoreUnsafe(ref p, (nuint)i + 80);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 96) ^ k6).StoreUnsafe(ref p, (nuint)i + 96);
            (Vector128.LoadUnsafe(ref p, (nuint)i + 112) ^ k7).StoreUnsafe(ref p, (nuint)i + 112);
        }

        for (; i + BlockSize <= n; i += BlockSize, next++)
        {
            (Vector128.LoadUnsafe(ref p, (nuint)i) ^ _aes.Encrypt(Counter(j0, next))).StoreUnsafe(ref p, (nuint)i);
        }

        if (i < n)
        {
            Span<byte> keystream = stackalloc byte[BlockSize];
            _aes.Encrypt(Counter(j0, next)).CopyTo(keystream);
            CryptoXor.Apply(text[i..], keystream[..(n - i)]);
        }
    }

    /// <summary>E(J0) ⊕ GHASH(H, ciphertext, lengths): the tag of <paramref name="ciphertext"/>.</summary>
    private Vector128<byte> Tag(Vector128<byte> j0, ReadOnlySpan<byte> ciphertext)
    {
        ref byte p = ref MemoryMarshal.GetReference(ciphertext);
        int n = ciphertext.Length;
        Vector128<ulong>[] powers = _powers;
        Vector128<ulong> h = powers[^1];
        Vector128<ulong> x = Vector128<ulong>.Zero;
        int i = 0;
        for (; i + (AggregatedBlocks * BlockSize) <= n; i += AggregatedBlocks * BlockSize)
        {
            // X' = (X ⊕ C₁)·H⁸ ⊕ C₂·H⁷ ⊕ ... ⊕ C₈·H: the products are linear, so they are summed unreduced.
            Vector128<ulong> lo = Vector128<ulong>.Zero, hi = Vector128<ulong>.Zero;
            for (int k = 0; k < AggregatedBlocks; k++)
            {
                Vector128<ulong> block = Reverse(Vector128.LoadUnsafe(ref p, (nuint)(i + (k * BlockSize)))).AsUInt64();
                Product(k == 0 ? block ^ x : block, powers[k], ref lo, ref hi);
            }

            x = Reduce(lo, hi);
        }

        for (; i + BlockSize <= n; i += BlockSize)
        {
            x = Multiply(x ^ Reverse(Vector128.LoadUnsafe(ref p, (nuint)i)).AsUInt64(), h);
        }

        if (i < n)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            ciphertext[i..].CopyTo(last);
            x = Multiply(x ^ Reverse(Vector128.Create((ReadOnlySpan<byte>)last)).AsUInt64(), h);
        }

        // The lengths block: 64-bit big-endian bit lengths of the associated data (none) and the ciphertext, which
        // byte-reversed is the ciphertext's bit length in the low 64 bits.
        x = Multiply(x ^ Vector128.Create((ulong)n * 8, 0UL), h);
        return _aes.Encrypt(j0) ^ Reverse(x.AsByte());
    }

    /// <summary>Byte order reversed: GHASH's bit-reflected field elements become plain polynomials, up to one shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reverse(Vector128<byte> block)
        => Ssse3.Shuffle(block, Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));

    /// <summary>
    /// a·b in GF(2¹²⁸) modulo x¹²⁸ + x⁷ + x² + x + 1, on byte-reversed operands: the 256-bit carry-less product, shifted
    /// left by one (the operands are bit-reflected), then reduced by shifts (Gueron and Kounavis, Intel's white paper on
    /// carry-less multiplication and GCM, which also describes summing several products before one reduction).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        Vector128<ulong> lo = Vector128<ulong>.Zero, hi = Vector128<ulong>.Zero;
        Product(a, b, ref lo, ref hi);
        return Reduce(lo, hi);
    }

    /// <summary>Adds the 256-bit carry-less product a·b to [<paramref name="hi"/>:<paramref name="lo"/>].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Product(Vector128<ulong> a, Vector128<ulong> b, ref Vector128<ulong> lo, ref Vector128<ulong> hi)
    {
        Vector128<ulong> mid = Pclmulqdq.CarrylessMultiply(a, b, 0x10) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x01);
        lo ^= Pclmulqdq.CarrylessMultiply(a, b, 0x00) ^ Sse2.ShiftLeftLogical128BitLane(mid.AsByte(), 8).AsUInt64();
        hi ^= Pclmulqdq.CarrylessMultiply(a, b, 0x11) ^ Sse2.ShiftRightLogical128BitLane(mid.AsByte(), 8).AsUInt64();
    }

    /// <summary>[<paramref name="hi"/>:<paramref name="lo"/>] shifted left by one (the bit reflection) and reduced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> lo, Vector128<ulong> hi)
    {
        // [hi:lo] <<= 1 across the 256 bits.
        Vector128<uint> lo32 = lo.AsUInt32();
        Vector128<uint> hi32 = hi.AsUInt32();
        Vector128<uint> loCarry = Sse2.ShiftRightLogical(lo32, 31);
        Vector128<uint> hiCarry = Sse2.ShiftRightLogical(hi32, 31);
        lo32 = Sse2.ShiftLeftLogical(lo32, 1);
        hi32 = Sse2.ShiftLeftLogical(hi32, 1);
        Vector128<uint> crossing = Sse2.ShiftRightLogical128BitLane(loCarry.AsByte(), 12).AsUInt32();
        hiCarry = Sse2.ShiftLeftLogical128BitLane(hiCarry.AsByte(), 4).AsUInt32();
        loCarry = Sse2.ShiftLeftLogical128BitLane(loCarry.AsByte(), 4).AsUInt32();
        lo32 |= loCarry;
        hi32 |= hiCarry | crossing;

        // Reduction: fold the low half into the high half with the polynomial's terms x⁷, x², x.
        Vector128<uint> t = Sse2.ShiftLeftLogical(lo32, 31) ^ Sse2.ShiftLeftLogical(lo32, 30) ^ Sse2.ShiftLeftLogical(lo32, 25);
        Vector128<uint> tHigh = Sse2.ShiftRightLogical128BitLane(t.AsByte(), 4).AsUInt32();
        lo32 ^= Sse2.ShiftLeftLogical128BitLane(t.AsByte(), 12).AsUInt32();
        Vector128<uint> u = Sse2.ShiftRightLogical(lo32, 1) ^ Sse2.ShiftRightLogical(lo32, 2) ^ Sse2.ShiftRightLogical(lo32, 7) ^ tHigh;
        return (hi32 ^ lo32 ^ u).AsUInt64();
    }
}
