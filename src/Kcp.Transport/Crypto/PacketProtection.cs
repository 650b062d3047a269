namespace Kcp.Transport.Crypto;

/// <summary>
/// One key's packet protection (kcp-wire.md §1.1–1.3, §4), shared by every session of a listener or client: thread-safe,
/// because all receive loops open with it at once, and allocation-free per packet. What differs per session (send nonces,
/// replay window) lives in the <see cref="SessionProtection"/> it creates, so nothing outside Crypto/ needs to know which
/// cipher this is.
/// </summary>
/// <remarks>
/// Times (<c>nowMs</c>) are milliseconds of the transport's clock (<see cref="ProtectionSettings.NowMs"/>), which is also
/// what <see cref="SessionProtection.Dispose"/> reads when it starts a released salt's replay horizon.
/// </remarks>
internal abstract class PacketProtection : IDisposable
{
    /// <summary>The kcptun name of this cipher (see <see cref="CipherRegistry.Names"/>).</summary>
    public abstract string Name { get; }

    /// <summary>Bytes in front of the payload: 0 for "null", 20 for kcp-go's nonce + CRC framing, 12 for aes-128-gcm's nonce.</summary>
    public abstract int HeaderSize { get; }

    /// <summary>Bytes after the payload: only an AEAD mode has any (aes-128-gcm's 16-byte tag).</summary>
    public virtual int TrailerSize => 0;

    /// <summary>
    /// Decrypts and verifies <paramref name="datagram"/> in place; on <see cref="OpenResult.Opened"/> the payload is
    /// <c>datagram[HeaderSize..^TrailerSize]</c>, otherwise the bytes are unspecified. Never throws for bad input, because
    /// every datagram from the network comes through here.
    /// </summary>
    public abstract OpenResult Open(Span<byte> datagram);

    /// <summary>Creates one session's own state (send nonces, replay window); the session disposes it when it closes.</summary>
    public abstract SessionProtection CreateSession();

    /// <summary>
    /// Key-level reflection guard for an opened datagram: true when it carries the send salt of one of our own sessions
    /// (a datagram of ours sent back to us). Only aes-128-gcm can tell; the others return false.
    /// </summary>
    public virtual bool IsReflected(ReadOnlySpan<byte> datagram) => false;

    /// <summary>
    /// Decides whether an opened datagram may start a new session. aes-128-gcm refuses a reflected salt, the salt of a live
    /// or recently closed peer (a first datagram replayed from another address) or a nonce seen before, and otherwise
    /// claims the salt until the session that first accepts it disposes its <see cref="SessionProtection"/>, then refuses it
    /// for the replay horizon. The other modes cannot recognise a replay and accept.
    /// </summary>
    public virtual PacketVerdict AdmitNewPeer(ReadOnlySpan<byte> datagram, long nowMs) => PacketVerdict.Accepted;

    /// <summary>
    /// Finishes sealing datagrams that <see cref="SessionProtection.TryBeginSeal"/> began, in place: datagram k is
    /// <c>region[(k * stride)..][..lengths[k]]</c>. Thread-safe and allocation-free like <see cref="Open"/>.
    /// </summary>
    public virtual void FinishSeals(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
        => throw new NotSupportedException($"{Name} seals in one step.");

    /// <summary>Releases key material.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>
    /// Seals <paramref name="datagram"/> (header room, payload, trailer room) in place with a caller-chosen nonce, so tests
    /// can compare against kcp-go's known answers. Never use it for real traffic: a repeated nonce repeats the keystream.
    /// </summary>
    internal abstract void SealWithNonce(Span<byte> datagram, ReadOnlySpan<byte> nonce);
}
