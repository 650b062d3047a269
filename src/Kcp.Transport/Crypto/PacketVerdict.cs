namespace Kcp.Transport.Crypto;

/// <summary>The replay and reflection verdict on an opened datagram, so the caller can count a refusal by its cause.</summary>
internal enum PacketVerdict
{
    /// <summary>Fresh: hand it on.</summary>
    Accepted,

    /// <summary>Its nonce (or, for a new peer, its salt) was seen before: a replay.</summary>
    Replayed,

    /// <summary>It carries one of our own send salts: a datagram of ours sent back to us.</summary>
    Reflected,
}
