using System.Security.Cryptography;
using System.Text;
using Kcp.Transport.Crypto;

namespace Kcp.Transport;

/// <summary>The kcptun/kcp-go packet crypto names and the kcptun key derivation (kcp-wire.md §4.2, §4.7).</summary>
public static class KcpCrypt
{
    /// <summary>kcptun's AEAD mode (kcp-go >= v5.6.49): AES-128-GCM with the first 16 bytes of the derived key.</summary>
    public const string AesGcmName = "aes-128-gcm";

    private const int KeyIterations = 4096;

    private static ReadOnlySpan<byte> KeySalt => "kcp-go"u8;

    /// <summary>Every accepted crypto name, including "none" (header, no encryption) and "null" (no crypto layer).</summary>
    public static IReadOnlyList<string> Names => CipherRegistry.Names;

    /// <summary>Returns true if <paramref name="name"/> is one of <see cref="Names"/> (exact, case-sensitive as in kcptun).</summary>
    /// <param name="name">A crypto name such as "aes" or "salsa20".</param>
    public static bool IsSupported(string name) => CipherRegistry.TryGet(name, out _);

    /// <summary>Derives kcptun's 32-byte key material: PBKDF2-HMAC-SHA1(UTF-8 passphrase, "kcp-go", 4096).</summary>
    /// <param name="passphrase">The shared secret, kcptun's <c>--key</c>.</param>
    public static byte[] DeriveKey(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        return Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(passphrase), KeySalt, KeyIterations, HashAlgorithmName.SHA1, CipherRegistry.PassLength);
    }
}
