namespace Kcp.Transport.Protocol;

/// <summary>
/// A view of one entry of snd_buf: a segment in flight and its retransmission state. The fields live in parallel
/// arrays of <see cref="KcpSendBuffer"/> (so a flush scans only the few it needs, contiguously); this view refers to
/// them, so writes through it update the buffer. Valid until the buffer next changes shape (push, pop, growth).
/// </summary>
internal readonly ref struct KcpSendSlot
{
    private readonly ref uint _acked;

    /// <summary>Creates a view over the given storage locations.</summary>
    public KcpSendSlot(
        KcpSegment segment, ref uint resendAt, ref uint fastAck, ref uint timestamp, ref uint firstTimestamp, ref uint rto,
        ref uint transmissions, ref uint copies, ref uint acked)
    {
        Segment = segment;
        ResendAt = ref resendAt;
        FastAck = ref fastAck;
        Timestamp = ref timestamp;
        FirstTimestamp = ref firstTimestamp;
        Rto = ref rto;
        Transmissions = ref transmissions;
        Copies = ref copies;
        _acked = ref acked;
    }

    /// <summary>The segment's data and fragment number; returned to the pool when una passes it.</summary>
    public KcpSegment Segment { get; }

    /// <summary>Clock value at which the segment is retransmitted if still unacknowledged.</summary>
    public readonly ref uint ResendAt;

    /// <summary>ACKs for later segments seen since the last (re)transmission.</summary>
    public readonly ref uint FastAck;

    /// <summary>Clock at the last transmission; an ACK echoes it.</summary>
    public readonly ref uint Timestamp;

    /// <summary>
    /// Clock at the first transmission. An ACK of the first copy echoes it: on a path whose RTT exceeds the RTO (every
    /// path over 200 ms, before the first sample), that ACK arrives after the retransmission moved <see cref="Timestamp"/>.
    /// </summary>
    public readonly ref uint FirstTimestamp;

    /// <summary>Current retransmission timeout of this segment (grows linearly with each timeout).</summary>
    public readonly ref uint Rto;

    /// <summary>Number of transmissions so far; 0 until the first flush that sends it.</summary>
    public readonly ref uint Transmissions;

    /// <summary>Copies sent in the spare room of later datagrams (<see cref="KcpControlBlock.RedundantCopies"/>); not transmissions.</summary>
    public readonly ref uint Copies;

    /// <summary>Selectively acknowledged; kept until una passes it, but never resent.</summary>
    public bool Acked
    {
        get => _acked != 0;
        set => _acked = value ? 1u : 0u;
    }
}
