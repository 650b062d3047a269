namespace Kcp.Transport.Protocol;

/// <summary>
/// One KCP segment held by the engine: its header fields, its sender-side retransmission state and its data in a
/// rented buffer. Instances are recycled through <see cref="KcpSegmentPool"/>.
/// </summary>
internal sealed class KcpSegment
{
    /// <summary>Fragment countdown (message mode), 0 in stream mode.</summary>
    public byte Fragment;

    /// <summary>Sequence number.</summary>
    public uint SequenceNumber;

    /// <summary>Sender: clock at the last transmission; receiver: the peer's ts (echoed in the ACK).</summary>
    public uint Timestamp;

    /// <summary>Current retransmission timeout of this segment (grows linearly with each timeout).</summary>
    public uint Rto;

    /// <summary>Number of transmissions so far.</summary>
    public uint Transmissions;

    /// <summary>Clock value at which the segment is retransmitted if still unacknowledged.</summary>
    public uint ResendAt;

    /// <summary>ACKs for later segments seen since the last (re)transmission.</summary>
    public uint FastAck;

    /// <summary>Selectively acknowledged; kept in snd_buf until una passes it, but never resent.</summary>
    public bool Acked;

    /// <summary>Rented storage; the first <see cref="Length"/> bytes are the data.</summary>
    public byte[] Buffer = [];

    /// <summary>Number of data bytes.</summary>
    public int Length;

    /// <summary>The segment's data.</summary>
    public Span<byte> Data => Buffer.AsSpan(0, Length);
}
