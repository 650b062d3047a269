namespace Kcp.Transport.Crypto;

/// <summary>
/// Protects and verifies one datagram in place (kcp-wire.md §1.1–1.3). Instances are immutable after construction and
/// safe for concurrent <see cref="Seal"/>/<see cref="TryOpen"/> calls from many threads, because the listener shares
/// one instance across all of its receive and send loops. Neither call allocates.
/// </summary>
internal abstract class PacketCipher : IDisposable
{
    /// <summary>The kcptun name of this cipher (see <see cref="CipherRegistry.Names"/>).</summary>
    public abstract string Name { get; }

    /// <summary>Bytes reserved in front of the payload: 20 (nonce + CRC-32) for the CFB family and "none".</summary>
    public abstract int HeaderSize { get; }

    /// <summary>Bytes reserved after the payload; only an AEAD mode would need any.</summary>
    public virtual int TrailerSize => 0;

    /// <summary>
    /// Fills the header of <paramref name="datagram"/> (a fresh nonce and the checksum of the payload that follows it)
    /// and encrypts the whole datagram in place.
    /// </summary>
    public abstract void Seal(Span<byte> datagram);

    /// <summary>
    /// Decrypts <paramref name="datagram"/> in place and verifies its checksum. Returns false for a datagram that is too
    /// short or whose checksum does not match (the caller counts it; the bytes are then unspecified); on true the payload
    /// is <c>datagram[HeaderSize..^TrailerSize]</c>. Never throws for bad input.
    /// </summary>
    public abstract bool TryOpen(Span<byte> datagram);

    /// <summary>
    /// Same as <see cref="Seal"/> but with a caller-chosen nonce, so tests can compare against kcp-go's known answers.
    /// Never use it for real traffic: a repeated nonce repeats the keystream.
    /// </summary>
    internal abstract void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce);

    /// <summary>Releases key material and any per-thread cipher objects.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
