namespace Kcp.Transport.Crypto;

/// <summary>
/// kcp-go's "none" mode: the 20-byte nonce + CRC header is present and checked, but nothing is encrypted. It differs on
/// the wire from "null", which has no crypto layer at all (kcp-wire.md §4.2).
/// </summary>
internal sealed class NonePacketCipher : FramedPacketCipher
{
    /// <inheritdoc/>
    public override string Name => "none";

    /// <inheritdoc/>
    protected override void Encrypt(Span<byte> datagram)
    {
    }

    /// <inheritdoc/>
    protected override void Decrypt(Span<byte> datagram)
    {
    }
}
