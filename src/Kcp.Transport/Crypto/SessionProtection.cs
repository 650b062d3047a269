namespace Kcp.Transport.Crypto;

/// <summary>
/// One session's protection state, created by <see cref="PacketProtection.CreateSession"/>: its send nonces and its
/// replay window. Not thread-safe: the session serializes every call under its lock, which is what lets the per-packet
/// paths run without touching state shared with other sessions.
/// </summary>
internal abstract class SessionProtection : IDisposable
{
    /// <summary>
    /// Seals a datagram laid out as [HeaderSize bytes of room][payload] and returns the bytes to send: the same span sealed
    /// in place, or, when the cipher has a trailer, a sealed copy with the trailer in a buffer this object owns (valid until
    /// the next call). Does not allocate once warmed up.
    /// </summary>
    public abstract ReadOnlySpan<byte> Seal(Span<byte> datagram);

    /// <summary>
    /// Does the part of <see cref="Seal"/> that needs this session's state (the nonce) and returns true when the rest,
    /// stateless, is left to <see cref="PacketProtection.FinishSeals"/>, which the sender runs later, outside the session
    /// lock and on many datagrams at once. False (nothing done) when this protection seals in one step only.
    /// </summary>
    public virtual bool TryBeginSeal(Span<byte> datagram) => false;

    /// <summary>
    /// Replay and reflection checks of one datagram of this session after <see cref="PacketProtection.Open"/> succeeded,
    /// so that nothing unauthenticated updates replay state. aes-128-gcm checks the nonce; the others accept.
    /// </summary>
    public virtual PacketVerdict Accept(ReadOnlySpan<byte> datagram, long nowMs) => PacketVerdict.Accepted;

    /// <summary>
    /// Returns what this session holds in its key: aes-128-gcm releases the send salt and the peer salt the session
    /// claimed (refused for the replay horizon from now on). Call once, when the session has closed.
    /// </summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
