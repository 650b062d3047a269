using System.Buffers;

namespace Kcp.Transport.Protocol;

/// <summary>
/// Recycles <see cref="KcpSegment"/> objects of one control block and rents their data buffers from
/// <see cref="ArrayPool{T}.Shared"/>, so steady-state traffic allocates nothing. Data buffers go back to the shared
/// pool as soon as a segment is released, so an idle engine holds no packet memory; only the small segment objects
/// are kept for reuse.
/// </summary>
internal sealed class KcpSegmentPool
{
    private KcpSegment[] _free = new KcpSegment[16];
    private int _count;

    /// <summary>Returns a cleared segment whose buffer holds at least <paramref name="capacity"/> bytes.</summary>
    public KcpSegment Rent(int capacity)
    {
        KcpSegment segment;
        if (_count > 0)
        {
            segment = _free[--_count];
            _free[_count] = null!;
        }
        else
        {
            segment = new KcpSegment();
        }

        // Never rent zero bytes: ArrayPool would hand out the shared empty array, which must not be returned.
        segment.Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1));
        return segment;
    }

    /// <summary>Gives the segment's buffer back to the shared pool and keeps the object for reuse.</summary>
    public void Return(KcpSegment segment)
    {
        ReleaseBuffer(segment);
        segment.Fragment = 0;
        segment.SequenceNumber = 0;
        segment.Timestamp = 0;
        segment.Rto = 0;
        segment.Transmissions = 0;
        segment.ResendAt = 0;
        segment.FastAck = 0;
        segment.Acked = false;

        if (_count == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }

        _free[_count++] = segment;
    }

    /// <summary>Returns only the data buffer (kcp-go frees the data of a selectively acked segment early).</summary>
    public static void ReleaseBuffer(KcpSegment segment)
    {
        if (segment.Buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(segment.Buffer);
            segment.Buffer = [];
        }

        segment.Length = 0;
    }

    /// <summary>Drops the cached segment objects.</summary>
    public void Clear()
    {
        Array.Clear(_free, 0, _count);
        _count = 0;
    }
}
