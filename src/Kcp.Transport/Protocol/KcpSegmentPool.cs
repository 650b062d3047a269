
namespace Kcp.Transport.Protocol;

/// <summary>
/// Recycles the <see cref="KcpSegment"/> objects of one control block together with their data buffers, so
/// steady-state traffic allocates nothing. Buffers are rented from <see cref="ArrayPool{T}.Shared"/> only when a
/// recycled segment's buffer is too small; they stay with the segment while it is cached, because the shared pool
/// keeps only a few arrays per size and would allocate again once a full window of segments is outstanding.
/// The cache never holds more segments than the engine once had in use at the same time.
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

        if (segment.Buffer.Length < capacity)
        {
            ReleaseBuffer(segment);

            // Never rent zero bytes: ArrayPool would hand out the shared empty array, which must not be returned.
            segment.Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 1));
        }

        return segment;
    }

    /// <summary>Takes the segment back for reuse, keeping its buffer.</summary>
    public void Return(KcpSegment segment)
    {
        segment.Fragment = 0;
        segment.SequenceNumber = 0;
        segment.Length = 0;

        if (_count == _free.Length)
        {
            Array.Resize(ref _free, _free.Length * 2);
        }

        _free[_count++] = segment;
    }

    /// <summary>Gives every cached buffer back to the shared pool and drops the cached segments.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            ReleaseBuffer(_free[i]);
            _free[i] = null!;
        }

        _count = 0;
    }

    private static void ReleaseBuffer(KcpSegment segment)
    {
        if (segment.Buffer.Length != 0)
        {
            ArrayPool<byte>.Shared.Return(segment.Buffer);
            segment.Buffer = [];
        }

        segment.Length = 0;
    }
}
