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
}
