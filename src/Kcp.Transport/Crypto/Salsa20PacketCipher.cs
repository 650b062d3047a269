using System.Security.Cryptography;

namespace Kcp.Transport.Crypto;

/// <summary>
/// kcp-go's salsa20 mode (kcp-wire.md §4.3): the first 8 bytes of the datagram (the start of the nonce) stay in clear
/// and are the Salsa20 nonce; everything from byte 8 on is XORed with the keystream.
/// </summary>
internal sealed class Salsa20PacketCipher : FramedPacketCipher
{
    private const int ClearBytes = 8;

    private readonly uint[] _keyWords = new uint[8];

    /// <summary>Creates the mode from a 32-byte key.</summary>
    public Salsa20PacketCipher(ReadOnlySpan<byte> key) => Salsa20.ExpandKey(key, _keyWords);

    /// <inheritdoc/>
    public override string Name => "salsa20";

    /// <inheritdoc/>
    public override void Dispose()
    {
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_keyWords.AsSpan()));
        base.Dispose();
    }

    /// <summary>Applies the keystream; encryption and decryption are the same operation.</summary>
    internal void Transform(Span<byte> datagram) =>
        Salsa20.XorKeyStream(datagram[ClearBytes..], datagram[..ClearBytes], _keyWords);

    /// <inheritdoc/>
    protected override void Encrypt(Span<byte> datagram) => Transform(datagram);

    /// <inheritdoc/>
    protected override void Decrypt(Span<byte> datagram) => Transform(datagram);
}
