using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// One key's source of the 16-byte datagram nonces of kcp-go's framed modes (kcp-wire.md §4.8). Each nonce is AES-128,
/// under a random key of this generator, of a unique 128-bit input (a counter plus a random salt). AES is a permutation,
/// so no two nonces of this generator can be equal, and without its key they are unpredictable. Sessions take counter
/// ranges (<see cref="NonceSequence"/>), so a draw touches no shared cache line and allocates nothing.
/// </summary>
/// <remarks>
/// kcp-go 5.6.1 chains AES over a per-session seed instead; the receiver never looks at the value, so any unpredictable
/// and non-repeating bytes are compatible. No re-keying is needed: the 64-bit counter cannot wrap in practice. Two
/// generators (two listeners) have independent keys and salts, so their nonces collide only by a 2^-128 chance.
/// </remarks>
internal sealed class NonceGenerator : IDisposable
{
    /// <summary>The nonce length kcp-go's framing uses.</summary>
    public const int NonceSize = 16;

    /// <summary>Counter values a session reserves at once: one shared atomic add per this many datagrams.</summary>
    public const ulong RangeSize = 4096;

    private readonly BlockCipher _cipher;

    // Typed copy of _cipher when it is the AES-NI one, so a draw stays in registers with no virtual call.
    private readonly AesNiBlockCipher? _aesNi;
    private readonly ulong _salt;
    private ulong _nextRange;

    /// <summary>Creates a generator with a fresh random key and salt.</summary>
    public NonceGenerator()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _cipher = AesNiBlockCipher.CreateOrPlatform(key);
        CryptographicOperations.ZeroMemory(key);
        _aesNi = _cipher as AesNiBlockCipher;
        Span<byte> salt = stackalloc byte[8];
        RandomNumberGenerator.Fill(salt);
        _salt = BinaryPrimitives.ReadUInt64LittleEndian(salt);
    }

    /// <summary>Reserves <see cref="RangeSize"/> counter values no other caller gets, and returns the first (thread-safe).</summary>
    public ulong ReserveRange() => Interlocked.Add(ref _nextRange, RangeSize) - RangeSize;

    /// <summary>Writes the nonce of a reserved <paramref name="counter"/> value into <paramref name="nonce"/> (exactly 16 bytes).</summary>
    public void Write(ulong counter, Span<byte> nonce)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("A nonce is 16 bytes.", nameof(nonce));
        }

        if (_aesNi is not null && BitConverter.IsLittleEndian)
        {
            _aesNi.Encrypt(Vector128.Create(counter, _salt).AsByte()).CopyTo(nonce);
            return;
        }

        Span<byte> block = stackalloc byte[NonceSize];
        BinaryPrimitives.WriteUInt64LittleEndian(block, counter);
        BinaryPrimitives.WriteUInt64LittleEndian(block[8..], _salt);
        _cipher.EncryptBlock(block, nonce);
    }

    /// <summary>Clears the key.</summary>
    public void Dispose() => _cipher.Dispose();
}
