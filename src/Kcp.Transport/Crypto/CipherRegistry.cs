using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;

namespace Kcp.Transport.Crypto;

/// <summary>
/// Every packet cipher by its kcptun name (kcp-wire.md §4.2), in kcptun's order. Adding a cipher is its file plus one
/// line here; nothing outside Crypto/ needs to know which cipher a name stands for. Immutable, so safe from any thread.
/// </summary>
internal static class CipherRegistry
{
    /// <summary>Length of the kcptun key material every cipher is sliced from.</summary>
    public const int PassLength = 32;

    private const int Framed = FramedPacketCipher.FrameHeaderSize;

    private static readonly CipherDescriptor[] s_descriptors =
    [
        Cfb("aes", static pass => AesNiBlockCipher.CreateOrPlatform(pass)),
        Cfb("aes-128", static pass => AesNiBlockCipher.CreateOrPlatform(pass[..16])),
        Cfb("aes-192", static pass => AesNiBlockCipher.CreateOrPlatform(pass[..24])),
        new("salsa20", Framed, 0, true, static (pass, _) => new Salsa20PacketCipher(pass)),
        Cfb("blowfish", static pass => new BouncyCastleBlockCipher(static () => new BlowfishEngine(), pass)),
        Cfb("twofish", static pass => new BouncyCastleBlockCipher(static () => new TwofishEngine(), pass)),
        Cfb("cast5", static pass => new Cast5BlockCipher(pass[..16])),
        Cfb("3des", static pass => PlatformEcbBlockCipher.CreateTripleDes(pass[..24])),
        Cfb("tea", static pass => new TeaBlockCipher(pass[..16])),
        Cfb("xtea", static pass => new BouncyCastleBlockCipher(static () => new XteaEngine(), pass[..16])),
        new("xor", Framed, 0, true, static (pass, _) => new XorPacketCipher(pass)),
        Cfb("sm4", static pass => new BouncyCastleBlockCipher(static IBlockCipher () => new SM4Engine(), pass[..16])),
        new("none", Framed, 0, false, static (_, _) => new NonePacketCipher()),
        new(NullPacketCipher.CipherName, 0, 0, false, static (_, _) => new NullPacketCipher()),
        new(AesGcmPacketCipher.CipherName, AesGcmPacketCipher.NonceSize, AesGcmPacketCipher.TagSize, true,
            static (pass, settings) => new AesGcmPacketCipher(pass[..16], settings)),
    ];

    private static readonly FrozenDictionary<string, CipherDescriptor> s_byName =
        s_descriptors.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Every registered name in kcptun's order, "none" and "null" included.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(s_descriptors.Select(d => d.Name).ToArray());

    /// <summary>Finds the descriptor of <paramref name="name"/> (exact, case-sensitive as in kcptun); false for unknown or null names.</summary>
    public static bool TryGet(string? name, [NotNullWhen(true)] out CipherDescriptor? descriptor)
    {
        descriptor = null;
        return name is not null && s_byName.TryGetValue(name, out descriptor);
    }

    /// <summary>The descriptor of <paramref name="name"/>; an unknown name throws an <see cref="ArgumentException"/> listing the supported ones.</summary>
    public static CipherDescriptor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // kcptun silently falls back to aes for unknown names; we refuse so that a typo cannot go unnoticed.
        return TryGet(name, out CipherDescriptor? descriptor)
            ? descriptor
            : throw new ArgumentException($"Unknown KCP crypto name '{name}'. Supported: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>
    /// Creates the protection for <paramref name="name"/>, taking from the 32-byte <paramref name="pass32"/> the key slice
    /// kcptun passes to kcp-go; "null" too gets one (no header, nothing sealed) so callers never branch on it.
    /// </summary>
    public static PacketProtection Create(string name, ReadOnlySpan<byte> pass32, ProtectionSettings? settings = null) =>
        Get(name).Create(pass32, settings ?? ProtectionSettings.Default);

    private static CipherDescriptor Cfb(string name, Func<ReadOnlySpan<byte>, BlockCipher> blockCipher) =>
        new(name, Framed, 0, true, (pass, _) => new CfbPacketCipher(name, blockCipher(pass)));
}
