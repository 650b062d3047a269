namespace Kcp.Transport.Protocol;

/// <summary>
/// One KCP segment held by the engine: its fragment number, its sequence number and its data in a rented buffer.
/// While in flight, its retransmission state lives in its <see cref="KcpSendBuffer"/> slot, not here.
/// Instances are recycled through <see cref="KcpSegmentPool"/>.
/// </summary>
internal sealed class KcpSegment
{
    /// <summary>Fragment countdown (message mode), 0 in stream mode.</summary>
    public byte Fragment;

    /// <summary>Sequence number: assigned when the segment enters snd_buf, or the peer's for a received one.</summary>
    public uint SequenceNumber;

    /// <summary>Rented storage; the first <see cref="Length"/> bytes are the data.</summary>
    public byte[] Buffer = [];

    /// <summary>Number of data bytes.</summary>
    public int Length;

    /// <summary>The segment's data.</summary>
    public Span<byte> Data => Buffer.AsSpan(0, Length);
}
