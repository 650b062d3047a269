namespace Kcp.Transport.Crypto;

/// <summary>
/// kcptun's "null": no crypto layer at all, no header, nothing checked (kcp-wire.md §1.1 (a)). It still is a
/// <see cref="PacketProtection"/> so that callers never branch on whether a cipher is configured.
/// </summary>
internal sealed class NullPacketCipher : PacketProtection
{
    /// <summary>kcptun's name of this mode.</summary>
    public const string CipherName = "null";

    /// <inheritdoc/>
    public override string Name => CipherName;

    /// <inheritdoc/>
    public override int HeaderSize => 0;

    /// <inheritdoc/>
    public override OpenResult Open(Span<byte> datagram) => OpenResult.Opened;

    /// <inheritdoc/>
    public override SessionProtection CreateSession() => new NullSessionProtection();

    /// <summary>Nothing to seal: the nonce is ignored.</summary>
    internal override void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce)
    {
    }
}
