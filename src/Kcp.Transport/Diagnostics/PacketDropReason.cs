namespace Kcp.Transport.Diagnostics;

/// <summary>Why a received datagram was not used. Each reason has a counter; none throws.</summary>
internal enum PacketDropReason
{
    /// <summary>Shorter than the smallest valid packet for the configured layers.</summary>
    TooShort,

    /// <summary>Longer than 1500 bytes, the most a kcp-go peer sends.</summary>
    TooLong,

    /// <summary>Shorter than the cipher's nonce and checksum header: it cannot be decrypted at all.</summary>
    DecryptFailed,

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

    /// <summary>An out-of-band datagram arrived while the session's datagram queue was full: the oldest queued one was dropped.</summary>
    OobQueueFull,

    /// <summary>Outgoing: an out-of-band datagram to an unvalidated address would exceed the amplification budget (not sent).</summary>
    OobAmplificationLimit,
    /// <summary>
    /// Outgoing: the socket's send buffer was full (EAGAIN, ENOBUFS). The datagram is dropped rather than waited for on a
    /// thread other sessions share; KCP retransmits it.
    /// </summary>
    SendBufferFull,
}

/// <summary>The values of the <c>kcp.drop.reason</c> metric tag.</summary>
internal static class PacketDropReasonNames
{
    private static readonly string[] Names = Build();

    public static int Count => Names.Length;

    public static string TagValue(this PacketDropReason reason) => Names[(int)reason];

    private static string[] Build()
    {
        var names = new string[Enum.GetValues<PacketDropReason>().Length];
        foreach (PacketDropReason reason in Enum.GetValues<PacketDropReason>())
        {
            names[(int)reason] = reason switch
            {
                PacketDropReason.TooShort => "too_short",
                PacketDropReason.TooLong => "too_long",
                PacketDropReason.DecryptFailed => "decrypt",
                PacketDropReason.BadChecksum => "checksum",
                PacketDropReason.Malformed => "malformed",
                PacketDropReason.FecMalformed => "fec_malformed",
                PacketDropReason.UnknownConversation => "unknown_conversation",
                PacketDropReason.NoSession => "no_session",
                PacketDropReason.BacklogFull => "backlog_full",
                PacketDropReason.Refused => "limit",
                PacketDropReason.UnexpectedSource => "unexpected_source",
                PacketDropReason.NotFresh => "not_fresh",
                PacketDropReason.Tombstoned => "tombstoned",
                PacketDropReason.RateLimited => "rate_limited",
                PacketDropReason.UnvalidatedLimit => "unvalidated_limit",
                PacketDropReason.AmplificationLimit => "amplification_limit",
                PacketDropReason.Replayed => "replayed",
                PacketDropReason.Reflected => "reflected",
                PacketDropReason.OobQueueFull => "oob_queue_full",
                PacketDropReason.OobAmplificationLimit => "oob_amplification_limit",
                PacketDropReason.SendBufferFull => "send_buffer_full",
                _ => throw new InvalidOperationException($"No tag value for {reason}."),
            };
        }

        return names;
    }
}
