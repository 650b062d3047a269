using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace Kcp.Transport.Crypto;

/// <summary>
/// AES-128/192/256 on the x86 AES instructions with our own key schedule. CFB encryption is a serial chain of one
/// block per 16 bytes, and the platform API costs far more per call than the block itself; here the chaining value
/// stays in a register and decryption runs eight independent blocks at a time to fill the AES pipeline.
/// </summary>
internal sealed class AesNiBlockCipher : BlockCipher
{
    private readonly Vector128<byte>[] _roundKeys;
    private readonly int _rounds;

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
        for (; i + 64 <= input.Length; i += 64)
        {
            Encrypt4(
                Vector128.LoadUnsafe(ref src, (nuint)i),
                Vector128.LoadUnsafe(ref src, (nuint)i + 16),
                Vector128.LoadUnsafe(ref src, (nuint)i + 32),
                Vector128.LoadUnsafe(ref src, (nuint)i + 48),
                out var c0, out var c1, out var c2, out var c3);
            c0.StoreUnsafe(ref dst, (nuint)i);
            c1.StoreUnsafe(ref dst, (nuint)i + 16);
            c2.StoreUnsafe(ref dst, (nuint)i + 32);
            c3.StoreUnsafe(ref dst, (nuint)i + 48);
        }

        for (; i + 16 <= input.Length; i += 16)
        {
            Encrypt(Vector128.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        }
    }

    /// <inheritdoc/>
    public override void CfbEncrypt(Span<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length;
        Vector128<byte> r = Encrypt(Vector128.Create(KcpCfb.InitialVector));
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector128<byte> c = Vector128.LoadUnsafe(ref p, (nuint)i) ^ r;
            c.StoreUnsafe(ref p, (nuint)i);
            r = Encrypt(c);
        }

        XorTail(data[i..], r);
    }

    /// <inheritdoc/>
    public override void CfbDecrypt(Span<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        int n = data.Length;
        Vector128<byte> previous = Vector128.Create(KcpCfb.InitialVector);
        int i = 0;

        // Keystream for block k is E(C[k-1]); four ciphertext blocks are loaded before any is overwritten.
        for (; i + 64 <= n; i += 64)
        {
            Vector128<byte> c0 = Vector128.LoadUnsafe(ref p, (nuint)i);
            Vector128<byte> c1 = Vector128.LoadUnsafe(ref p, (nuint)i + 16);
            Vector128<byte> c2 = Vector128.LoadUnsafe(ref p, (nuint)i + 32);
            Vector128<byte> c3 = Vector128.LoadUnsafe(ref p, (nuint)i + 48);
            Encrypt4(previous, c0, c1, c2, out var k0, out var k1, out var k2, out var k3);
            (c0 ^ k0).StoreUnsafe(ref p, (nuint)i);
            (c1 ^ k1).StoreUnsafe(ref p, (nuint)i + 16);
            (c2 ^ k2).StoreUnsafe(ref p, (nuint)i + 32);
            (c3 ^ k3).StoreUnsafe(ref p, (nuint)i + 48);
            previous = c3;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Encrypt4(
        Vector128<byte> b0, Vector128<byte> b1, Vector128<byte> b2, Vector128<byte> b3,
        out Vector128<byte> o0, out Vector128<byte> o1, out Vector128<byte> o2, out Vector128<byte> o3)
    {
        Vector128<byte>[] rk = _roundKeys;
        int rounds = _rounds;
        Vector128<byte> k = rk[0];
        b0 ^= k;
        b1 ^= k;
        b2 ^= k;
        b3 ^= k;
        for (int r = 1; r < rounds; r++)
        {
            k = rk[r];
            b0 = AesNi.Encrypt(b0, k);
            b1 = AesNi.Encrypt(b1, k);
            b2 = AesNi.Encrypt(b2, k);
            b3 = AesNi.Encrypt(b3, k);
        }

        k = rk[rounds];
        o0 = AesNi.EncryptLast(b0, k);
        o1 = AesNi.EncryptLast(b1, k);
        o2 = AesNi.EncryptLast(b2, k);
        o3 = AesNi.EncryptLast(b3, k);
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
