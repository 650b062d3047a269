using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// Process-wide source of the 16-byte datagram nonces (kcp-wire.md §4.8). Each nonce is AES-128 under a random key of
/// a unique 128-bit input (a process counter plus a random salt). AES is a permutation, so no two nonces of this process
/// can be equal, and without the key they are unpredictable. Threads reserve counter ranges, so a draw touches no
/// shared cache line and allocates nothing.
/// </summary>
/// <remarks>
/// kcp-go 5.6.1 chains AES over a per-session seed instead; the receiver never looks at the value, so any unpredictable
/// and non-repeating bytes are compatible. No re-keying is needed: the 64-bit counter cannot wrap in practice.
/// </remarks>
internal static class NonceGenerator
{
    /// <summary>The nonce length kcp-go's CFB framing uses.</summary>
    public const int NonceSize = 16;

    /// <summary>Counter values a thread reserves at once.</summary>
    private const ulong ReservationSize = 4096;

    private static readonly BlockCipher s_cipher = CreateCipher();

    // Typed copy of s_cipher when it is the AES-NI one, so a draw stays in registers with no virtual call.
    private static readonly AesNiBlockCipher? s_aesNi = s_cipher as AesNiBlockCipher;
    private static readonly ulong s_salt = CreateSalt();
    private static ulong s_nextReservation;

    [ThreadStatic]
    private static ulong t_next;

    [ThreadStatic]
    private static ulong t_end;

    /// <summary>Writes a fresh nonce into <paramref name="nonce"/> (exactly 16 bytes).</summary>
    public static void Fill(Span<byte> nonce)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("A nonce is 16 bytes.", nameof(nonce));
        }

        if (t_next == t_end)
        {
            t_end = Interlocked.Add(ref s_nextReservation, ReservationSize);
            t_next = t_end - ReservationSize;
        }

        ulong counter = t_next++;
        if (s_aesNi is not null && BitConverter.IsLittleEndian)
        {
            s_aesNi.Encrypt(Vector128.Create(counter, s_salt).AsByte()).CopyTo(nonce);
            return;
        }

        Span<byte> block = stackalloc byte[NonceSize];
        BinaryPrimitives.WriteUInt64LittleEndian(block, counter);
        BinaryPrimitives.WriteUInt64LittleEndian(block[8..], s_salt);
        s_cipher.EncryptBlock(block, nonce);
    }

    private static BlockCipher CreateCipher()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        BlockCipher cipher = AesNiBlockCipher.IsSupported
            ? new AesNiBlockCipher(key)
            : PlatformEcbBlockCipher.CreateAes(key);
        CryptographicOperations.ZeroMemory(key);
        return cipher;
    }

    private static ulong CreateSalt()
    {
        Span<byte> salt = stackalloc byte[8];
        RandomNumberGenerator.Fill(salt);
        return BinaryPrimitives.ReadUInt64LittleEndian(salt);
    }
}
