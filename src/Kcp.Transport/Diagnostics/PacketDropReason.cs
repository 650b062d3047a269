namespace Kcp.Transport.Diagnostics;

/// <summary>Why a received datagram was not used. Each reason has a counter; none throws.</summary>
internal enum PacketDropReason
{
    /// <summary>Shorter than the smallest valid packet for the configured layers.</summary>
    TooShort,

    /// <summary>Longer than 1500 bytes, the most a kcp-go peer sends.</summary>
    TooLong,

    /// <summary>The CRC-32 after decryption did not match: corruption or a wrong key.</summary>
    BadChecksum,

    /// <summary>The KCP part does not parse: unknown command, truncated segment, mixed conversations.</summary>
    Malformed,

    /// <summary>The FEC header is inconsistent.</summary>
    FecMalformed,

    /// <summary>A new conversation for a known address whose first segment is not sn 0.</summary>
    UnknownConversation,

    /// <summary>No session and the datagram cannot start one (ACK only, parity only).</summary>
    NoSession,

    /// <summary>The accept backlog is full.</summary>
    BacklogFull,

    /// <summary>The session limit is reached, or the listener no longer accepts.</summary>
    Refused,

    /// <summary>A client received a datagram from an address it did not dial.</summary>
    UnexpectedSource,

    /// <summary>A valid packet without a fresh PUSH (sn below the receive window) cannot open a session.</summary>
    NotFresh,

    /// <summary>The (address, conversation) closed recently: its datagrams do not reopen a session.</summary>
    Tombstoned,

    /// <summary>The address prefix opened new sessions faster than its token bucket allows.</summary>
    RateLimited,

    /// <summary>Too many sessions whose peer address is not yet validated (globally or for the prefix).</summary>
    UnvalidatedLimit,

    /// <summary>Outgoing: a datagram to an unvalidated address would exceed the amplification budget (not sent).</summary>
    AmplificationLimit,

    /// <summary>aes-128-gcm: the nonce was seen before (replay).</summary>
    Replayed,

    /// <summary>aes-128-gcm: the nonce carries one of our own send salts (a datagram of ours sent back).</summary>
    Reflected,
}
