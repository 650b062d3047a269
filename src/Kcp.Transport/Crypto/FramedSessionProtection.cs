namespace Kcp.Transport.Crypto;

/// <summary>
/// A session under one of kcp-go's framed modes: seals in place with a fresh nonce per datagram from its own counter
/// range. kcp-go's receiver never looks at the nonce, so there is no replay state; <see cref="SessionProtection.Accept"/>
/// accepts everything that opened, and disposing returns nothing (the rest of the range is simply never used).
/// </summary>
internal sealed class FramedSessionProtection(FramedPacketCipher cipher, NonceSequence nonces) : SessionProtection
{
    /// <summary>Fills the nonce, checksums the payload and encrypts the datagram in place; returns the same span.</summary>
    public override ReadOnlySpan<byte> Seal(Span<byte> datagram)
    {
        FramedPacketCipher.ThrowIfTooShort(datagram);
        nonces.Fill(datagram[..NonceGenerator.NonceSize]);
        cipher.ChecksumAndEncrypt(datagram);
        return datagram;
    }

    /// <summary>Fills the nonce only: the checksum and the encryption need nothing of the session and can wait.</summary>
    public override bool TryBeginSeal(Span<byte> datagram)
    {
        FramedPacketCipher.ThrowIfTooShort(datagram);
        nonces.Fill(datagram[..NonceGenerator.NonceSize]);
        return true;
    }
}
