using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace Kcp.Transport.Crypto;

/// <summary>
/// AES-128/192/256 on the x86 AES instructions with our own key schedule. CFB encryption is a serial chain of one
/// block per 16 bytes, and the platform API costs far more per call than the block itself; here the chaining value
/// stays in a register, decryption runs eight independent blocks at a time to fill the AES pipeline, and encryption of
/// many datagrams runs eight chains side by side.
/// </summary>
internal sealed class AesNiBlockCipher : BlockCipher
{
    private readonly Vector128<byte>[] _roundKeys;
    private readonly int _rounds;
    private readonly Vector128<byte> _encryptedIv;

    /// <summary>Expands a 16-, 24- or 32-byte key. Check <see cref="IsSupported"/> first.</summary>
    public AesNiBlockCipher(ReadOnlySpan<byte> key)
    {
        if (!AesNi.IsSupported)
        {
            throw new PlatformNotSupportedException("The CPU has no AES instructions.");
        }

        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES needs a 16-, 24- or 32-byte key.", nameof(key));
        }

        _rounds = (key.Length / 4) + 6;
        _roundKeys = ExpandKey(key, _rounds);

        // Every datagram's chain starts from E(IV): kcp-go's IV is fixed.
        _encryptedIv = Encrypt(Vector128.Create(KcpCfb.InitialVector));
    }

    /// <summary>True when this implementation can run on the current CPU.</summary>
    public static bool IsSupported => AesNi.IsSupported;

    /// <summary>AES on this implementation where the CPU has AES instructions (the fast path), else on the platform one.</summary>
    public static BlockCipher CreateOrPlatform(ReadOnlySpan<byte> key) =>
        AesNi.IsSupported ? new AesNiBlockCipher(key) : PlatformEcbBlockCipher.CreateAes(key);

    /// <inheritdoc/>
    public override int BlockSize => 16;

    /// <inheritdoc/>
    public override void EncryptBlock(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length < 16 || output.Length < 16)
        {
            throw new ArgumentException("AES works on 16-byte blocks.");
        }

        Encrypt(Vector128.Create(input)).CopyTo(output);
    }

    /// <inheritdoc/>
    public override void EncryptBlocks(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < (input.Length & ~15))
        {
            throw new ArgumentException("The output is shorter than the input.", nameof(output));
        }

        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i + 128 <= input.Length; i += 128)
        {
            Encrypt8(
                Vector128.LoadUnsafe(ref src, (nuint)i),
                Vector128.LoadUnsafe(ref src, (nuint)i + 16),
                Vector128.LoadUnsafe(ref src, (nuint)i + 32),
                Vector128.LoadUnsafe(ref src, (nuint)i + 48),
                Vector128.LoadUnsafe(ref src, (nuint)i + 64),
                Vector128.LoadUnsafe(ref src, (nuint)i + 80),
                Vector128.LoadUnsafe(ref src, (nuint)i + 96),
                Vector128.LoadUnsafe(ref src, (nuint)i + 112),
                out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
            c0.StoreUnsafe(ref dst, (nuint)i);
            c1.StoreUnsafe(ref dst, (nuint)i + 16);
            c2.StoreUnsafe(ref dst, (nuint)i + 32);
            c3.StoreUnsafe(ref dst, (nuint)i + 48);
            c4.StoreUnsafe(ref dst, (nuint)i + 64);
            c5.StoreUnsafe(ref dst, (nuint)i + 80);
            c6.StoreUnsafe(ref dst, (nuint)i + 96);
            c7.StoreUnsafe(ref dst, (nuint)i + 112);
        }

        for (; i + 16 <= input.Length; i += 16)
        {
            Encrypt(Vector128.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        }
    }

    /// <inheritdoc/>
    public override void CfbEncrypt(Span<byte> data)
        => CfbEncryptFrom(ref MemoryMarshal.GetReference(data), data.Length, 0, _encryptedIv);

    /// <inheritdoc/>
    public override void CfbEncryptMany(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
    {
        if (lengths.Length == 0)
        {
            return;
        }

        int last = ((lengths.Length - 1) * stride) + lengths[^1];
        if (stride < 0 || region.Length < last)
        {
            throw new ArgumentException("The region is shorter than its datagrams.", nameof(region));
        }

        ref byte p = ref MemoryMarshal.GetReference(region);
        int k = 0;
        for (; k + 8 <= lengths.Length; k += 8)
        {
            CfbEncrypt8(ref Unsafe.Add(ref p, k * stride), stride, lengths.Slice(k, 8));
        }

        for (; k < lengths.Length; k++)
        {
            int length = lengths[k];
            if (length < 0 || length > stride)
            {
                throw new ArgumentException("A datagram is longer than the stride.", nameof(lengths));
            }

            CfbEncryptFrom(ref Unsafe.Add(ref p, k * stride), length, 0, _encryptedIv);
        }
    }

    /// <summary>
    /// Eight chains in lockstep over the full blocks they all have (datagrams of one flush are mostly one size), each
    /// finished alone: AES instructions have a latency of several cycles and issue one or two a cycle, so eight chains
    /// keep the unit busy where one leaves it idle.
    /// </summary>
    private void CfbEncrypt8(ref byte p, int stride, ReadOnlySpan<int> lengths)
    {
        int common = int.MaxValue;
        foreach (int length in lengths)
        {
            if (length < 0 || length > stride)
            {
                throw new ArgumentException("A datagram is longer than the stride.", nameof(lengths));
            }

            common = Math.Min(common, length);
        }

        // Whole blocks that every chain has, and each one's successor keystream needed (a block follows it).
        common = (common - 1) & ~15;
        nuint s = (nuint)stride;
        Vector128<byte> r0 = _encryptedIv, r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0;
        for (nuint i = 0; i < (nuint)Math.Max(common, 0); i += 16)
        {
            Vector128<byte> c0 = Vector128.LoadUnsafe(ref p, i) ^ r0;
            Vector128<byte> c1 = Vector128.LoadUnsafe(ref p, s + i) ^ r1;
            Vector128<byte> c2 = Vector128.LoadUnsafe(ref p, (2 * s) + i) ^ r2;
            Vector128<byte> c3 = Vector128.LoadUnsafe(ref p, (3 * s) + i) ^ r3;
            Vector128<byte> c4 = Vector128.LoadUnsafe(ref p, (4 * s) + i) ^ r4;
            Vector128<byte> c5 = Vector128.LoadUnsafe(ref p, (5 * s) + i) ^ r5;
            Vector128<byte> c6 = Vector128.LoadUnsafe(ref p, (6 * s) + i) ^ r6;
            Vector128<byte> c7 = Vector128.LoadUnsafe(ref p, (7 * s) + i) ^ r7;
            c0.StoreUnsafe(ref p, i);
            c1.StoreUnsafe(ref p, s + i);
            c2.StoreUnsafe(ref p, (2 * s) + i);
            c3.StoreUnsafe(ref p, (3 * s) + i);
            c4.StoreUnsafe(ref p, (4 * s) + i);
            c5.StoreUnsafe(ref p, (5 * s) + i);
            c6.StoreUnsafe(ref p, (6 * s) + i);
            c7.StoreUnsafe(ref p, (7 * s) + i);

            Encrypt8(c0, c1, c2, c3, c4, c5, c6, c7, out r0, out r1, out r2, out r3, out r4, out r5, out r6, out r7);
        }

        int done = Math.Max(common, 0);
        CfbEncryptFrom(ref p, lengths[0], done, r0);
        CfbEncryptFrom(ref Unsafe.Add(ref p, stride), lengths[1], done, r1);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 2 * stride), lengths[2], done, r2);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 3 * stride), lengths[3], done, r3);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 4 * stride), lengths[4], done, r4);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 5 * stride), lengths[5], done, r5);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 6 * stride), lengths[6], done, r6);
        CfbEncryptFrom(ref Unsafe.Add(ref p, 7 * stride), lengths[7], done, r7);
    }

    /// <summary>Continues one CFB chain of <paramref name="length"/> bytes at byte <paramref name="from"/>, whose keystream is <paramref name="r"/>.</summary>
    private void CfbEncryptFrom(ref byte p, int length, int from, Vector128<byte> r)
    {
        int i = from;
        for (; i + 16 <= length; i += 16)
        {
            Vector128<byte> c = Vector128.LoadUnsafe(ref p, (nuint)i) ^ r;
            c.StoreUnsafe(ref p, (nuint)i);
            if (i + 16 < length)
            {
                // The last block's successor keystream would be unused.
                r = Encrypt(c);
            }
        }

        XorTail(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref p, i), length - i), r);
    }

    /// <inheritdoc/>
    public override void CfbDecrypt(Span<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length;
        Vector128<byte> previous = Vector128.Create(KcpCfb.InitialVector);
        int i = 0;

        // Keystream for block k is E(C[k-1]); a group's ciphertext blocks are loaded before any is overwritten.
        for (; i + 128 <= n; i += 128)
        {
            Vector128<byte> c0 = Vector128.LoadUnsafe(ref p, (nuint)i);
            Vector128<byte> c1 = Vector128.LoadUnsafe(ref p, (nuint)i + 16);
            Vector128<byte> c2 = Vector128.LoadUnsafe(ref p, (nuint)i + 32);
            Vector128<byte> c3 = Vector128.LoadUnsafe(ref p, (nuint)i + 48);
            Vector128<byte> c4 = Vector128.LoadUnsafe(ref p, (nuint)i + 64);
            Vector128<byte> c5 = Vector128.LoadUnsafe(ref p, (nuint)i + 80);
            Vector128<byte> c6 = Vector128.LoadUnsafe(ref p, (nuint)i + 96);
            Vector128<byte> c7 = Vector128.LoadUnsafe(ref p, (nuint)i + 112);
            Encrypt8(previous, c0, c1, c2, c3, c4, c5, c6, out var k0, out var k1, out var k2, out var k3, out var k4, out var k5, out var k6, out var k7);
            (c0 ^ k0).StoreUnsafe(ref p, (nuint)i);
            (c1 ^ k1).StoreUnsafe(ref p, (nuint)i + 16);
            (c2 ^ k2).StoreUnsafe(ref p, (nuint)i + 32);
            (c3 ^ k3).StoreUnsafe(ref p, (nuint)i + 48);
            (c4 ^ k4).StoreUnsafe(ref p, (nuint)i + 64);
            (c5 ^ k5).StoreUnsafe(ref p, (nuint)i + 80);
            (c6 ^ k6).StoreUnsafe(ref p, (nuint)i + 96);
            (c7 ^ k7).StoreUnsafe(ref p, (nuint)i + 112);
            previous = c7;
        }

        for (; i + 16 <= n; i += 16)
        {
            Vector128<byte> c = Vector128.LoadUnsafe(ref p, (nuint)i);
            (c ^ Encrypt(previous)).StoreUnsafe(ref p, (nuint)i);
            previous = c;
        }

        if (i < n)
        {
            XorTail(data[i..], Encrypt(previous));
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        Array.Clear(_roundKeys);
        base.Dispose(disposing);
    }

    /// <summary>Encrypts one block held in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Vector128<byte> Encrypt(Vector128<byte> block)
    {
        Vector128<byte>[] rk = _roundKeys;
        int rounds = _rounds;
        block ^= rk[0];
        for (int r = 1; r < rounds; r++)
        {
            block = AesNi.Encrypt(block, rk[r]);
        }

        return AesNi.EncryptLast(block, rk[rounds]);
    }

    /// <summary>Eight independent blocks through the rounds side by side (the AES unit's latency hidden by the others).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Encrypt8(
        Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2, Vector128<byte> b3,
        Vector128<byte> b4, Vector128<byte> b5, Vector128<byte> b6, Vector128<byte> b7,
        out Vector128<byte> o0, out Vector128<byte> o1, out Vector128<byte> o2, out Vector128<byte> o3,
        out Vector128<byte> o4, out Vector128<byte> o5, out Vector128<byte> o6, out Vector128<byte> o7)
    {
        Vector128<byte>[] rk = _roundKeys;
        int rounds = _rounds;
        Vector128<byte> k = rk[0];
        b0 ^= k;
        b1 ^= k;
        b2 ^= k;
        b3 ^= k;
        b4 ^= k;
        b5 ^= k;
        b6 ^= k;
        b7 ^= k;
        for (int r = 1; r < rounds; r++)
        {
            k = rk[r];
            b0 = AesNi.Encrypt(b0, k);
            b1 = AesNi.Encrypt(b1, k);
            b2 = AesNi.Encrypt(b2, k);
            b3 = AesNi.Encrypt(b3, k);
            b4 = AesNi.Encrypt(b4, k);
            b5 = AesNi.Encrypt(b5, k);
            b6 = AesNi.Encrypt(b6, k);
            b7 = AesNi.Encrypt(b7, k);
        }

        k = rk[rounds];
        o0 = AesNi.EncryptLast(b0, k);
        o1 = AesNi.EncryptLast(b1, k);
        o2 = AesNi.EncryptLast(b2, k);
        o3 = AesNi.EncryptLast(b3, k);
        o4 = AesNi.EncryptLast(b4, k);
        o5 = AesNi.EncryptLast(b5, k);
        o6 = AesNi.EncryptLast(b6, k);
        o7 = AesNi.EncryptLast(b7, k);
    }

    private static void XorTail(Span<byte> tail, Vector128<byte> keystream)
    {
        if (tail.IsEmpty)
        {
            return;
        }

        Span<byte> k = stackalloc byte[16];
        keystream.CopyTo(k);
        CryptoXor.Apply(tail, k[..tail.Length]);
    }

    /// <summary>
    /// FIPS-197 key expansion on little-endian words (so byte order matches the AES instructions' round-key layout).
    /// SubWord uses AESKEYGENASSIST, whose lowest output word is SubWord of input word 1.
    /// </summary>
    private static Vector128<byte>[] ExpandKey(ReadOnlySpan<byte> key, int rounds)
    {
        int nk = key.Length / 4;
        int total = 4 * (rounds + 1);
        Span<uint> w = stackalloc uint[60];
        MemoryMarshal.Cast<byte, uint>(key).CopyTo(w);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("AES-NI implies a little-endian CPU.");
        }

        uint rcon = 1;
        for (int i = nk; i < total; i++)
        {
            uint t = w[i - 1];
            if (i % nk == 0)
            {
                t = SubWord(BitOperations.RotateRight(t, 8)) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11B);
            }
            else if (nk > 6 && i % nk == 4)
            {
                t = SubWord(t);
            }

            w[i] = w[i - nk] ^ t;
        }

        var keys = new Vector128<byte>[rounds + 1];
        for (int r = 0; r <= rounds; r++)
        {
            keys[r] = Vector128.Create(w[4 * r], w[(4 * r) + 1], w[(4 * r) + 2], w[(4 * r) + 3]).AsByte();
        }

        w.Clear();
        return keys;
    }

    private static uint SubWord(uint word) =>
        AesNi.KeygenAssist(Vector128.Create(0u, word, 0u, 0u).AsByte(), 0).AsUInt32().ToScalar();
}
