using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;

namespace Kcp.Transport.Crypto;

/// <summary>The kcptun/kcp-go packet crypto names and the kcptun key derivation (kcp-wire.md §4.2, §4.7).</summary>
public static class KcpCrypt
{
    /// <summary>Length of the kcptun key material every cipher is sliced from.</summary>
    private const int PassLength = 32;

    private const int KeyIterations = 4096;

    private static readonly string[] s_names =
    [
        "aes", "aes-128", "aes-192", "salsa20", "blowfish", "twofish", "cast5", "3des", "tea", "xtea", "xor", "sm4",
        "none", "null", AesGcmName,
    ];

    /// <summary>kcptun's AEAD mode (kcp-go >= v5.6.49): AES-128-GCM with the first 16 bytes of the derived key.</summary>
    public const string AesGcmName = "aes-128-gcm";

    private static ReadOnlySpan<byte> KeySalt => "kcp-go"u8;

    /// <summary>Every accepted crypto name, including "none" (header, no encryption) and "null" (no crypto layer).</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(s_names);

    /// <summary>Returns true if <paramref name="name"/> is one of <see cref="Names"/> (exact, case-sensitive as in kcptun).</summary>
    /// <param name="name">A crypto name such as "aes" or "salsa20".</param>
    public static bool IsSupported(string name) => Array.IndexOf(s_names, name) >= 0;

    /// <summary>Derives kcptun's 32-byte key material: PBKDF2-HMAC-SHA1(UTF-8 passphrase, "kcp-go", 4096).</summary>
    /// <param name="passphrase">The shared secret, kcptun's <c>--key</c>.</param>
    public static byte[] DeriveKey(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        return Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(passphrase), KeySalt, KeyIterations, HashAlgorithmName.SHA1, PassLength);
    }

    /// <summary>
    /// Creates the packet cipher for <paramref name="name"/>, taking from the 32-byte <paramref name="pass32"/> the key
    /// slice kcptun passes to kcp-go. Returns null for "null", which means no crypto layer at all.
    /// </summary>
    internal static PacketCipher? Create(string name, ReadOnlySpan<byte> pass32)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsSupported(name))
        {
            // kcptun silently falls back to aes for unknown names; we refuse so that a typo cannot go unnoticed.
            throw new ArgumentException($"Unknown KCP crypto name '{name}'. Supported: {string.Join(", ", s_names)}.", nameof(name));
        }

        switch (name)
        {
            case "null":
                return null;
            case "none":
                return new NonePacketCipher();
        }

        if (pass32.Length != PassLength)
        {
            throw new ArgumentException($"The key material must be {PassLength} bytes (was {pass32.Length}).", nameof(pass32));
        }

        return name switch
        {
            "aes" => Cfb(name, CreateAes(pass32)),
            "aes-128" => Cfb(name, CreateAes(pass32[..16])),
            "aes-192" => Cfb(name, CreateAes(pass32[..24])),
            "salsa20" => new Salsa20PacketCipher(pass32),
            "blowfish" => Cfb(name, new BouncyCastleBlockCipher(static () => new BlowfishEngine(), pass32)),
            "twofish" => Cfb(name, new BouncyCastleBlockCipher(static () => new TwofishEngine(), pass32)),
            "cast5" => Cfb(name, new Cast5BlockCipher(pass32[..16])),
            "3des" => Cfb(name, PlatformEcbBlockCipher.CreateTripleDes(pass32[..24])),
            "tea" => Cfb(name, new TeaBlockCipher(pass32[..16])),
            "xtea" => Cfb(name, new BouncyCastleBlockCipher(static () => new XteaEngine(), pass32[..16])),
            "xor" => new XorPacketCipher(pass32),
            AesGcmName => new AesGcmPacketCipher(pass32[..16]),
            "sm4" => Cfb(name, new BouncyCastleBlockCipher(static IBlockCipher () => new SM4Engine(), pass32[..16])),
            _ => throw new InvalidOperationException($"Crypto name '{name}' is listed but not wired up."),
        };
    }

    /// <summary>AES on our AES-NI code where the CPU has it, else on the platform implementation.</summary>
    internal static BlockCipher CreateAes(ReadOnlySpan<byte> key) =>
        AesNiBlockCipher.IsSupported ? new AesNiBlockCipher(key) : PlatformEcbBlockCipher.CreateAes(key);

    private static CfbPacketCipher Cfb(string name, BlockCipher cipher) => new(name, cipher);
}
