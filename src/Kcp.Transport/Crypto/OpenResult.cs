namespace Kcp.Transport.Crypto;

/// <summary>The outcome of <see cref="PacketProtection.Open"/>, so the caller can count each kind of bad datagram apart.</summary>
internal enum OpenResult
{
    /// <summary>Decrypted and verified: the payload is between the header and the trailer.</summary>
    Opened,

    /// <summary>Shorter than the header plus the trailer: nothing to decrypt.</summary>
    TooShort,

    /// <summary>The checksum or the authentication tag does not match: damaged, forged or under another key.</summary>
    Forged,
}
