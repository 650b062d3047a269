namespace Kcp.Transport.Protocol;

/// <summary>
/// One KCP segment's data held by the engine: its fragment number, its sequence number (receive side) and its bytes
/// in a rented buffer. A segment in flight keeps its retransmission state in its <see cref="KcpSendSlot"/>.
/// Instances are recycled through <see cref="KcpSegmentPool"/>.
/// </summary>
internal sealed class KcpSegment
{
    /// <summary>Fragment countdown (message mode), 0 in stream mode.</summary>
    public byte Fragment;

    /// <summary>Sequence number.</summary>
    public uint SequenceNumber;

    /// <summary>Rented storage; the first <see cref="Length"/> bytes are the data.</summary>
    public byte[] Buffer = [];

    /// <summary>Number of data bytes.</summary>
    public int Length;

    /// <summary>The segment's data.</summary>
    public Span<byte> Data => Buffer.AsSpan(0, Length);
}
