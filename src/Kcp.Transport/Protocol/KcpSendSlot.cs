namespace Kcp.Transport.Protocol;

/// <summary>
/// One entry of snd_buf: a segment in flight and its retransmission state. Stored by value in
/// <see cref="KcpSendBuffer"/> so that a flush walks one contiguous array instead of chasing a reference per segment;
/// the data stays in the pooled <see cref="Segment"/>, which the flush touches only when it (re)sends.
/// </summary>
internal struct KcpSendSlot
{
    /// <summary>The segment's data and fragment number; returned to the pool when una passes it.</summary>
    public KcpSegment Segment;

    /// <summary>Clock value at which the segment is retransmitted if still unacknowledged.</summary>
    public uint ResendAt;

    /// <summary>ACKs for later segments seen since the last (re)transmission.</summary>
    public uint FastAck;

    /// <summary>Clock at the last transmission; an ACK echoes it.</summary>
    public uint Timestamp;

    /// <summary>Current retransmission timeout of this segment (grows linearly with each timeout).</summary>
    public uint Rto;

    /// <summary>Number of transmissions so far; 0 until the first flush that sends it.</summary>
    public uint Transmissions;

    /// <summary>Selectively acknowledged; kept until una passes it, but never resent.</summary>
    public bool Acked;
}
