using System.Numerics;
using System.Runtime.InteropServices;

namespace Kcp.Transport.Protocol;

/// <summary>
/// snd_buf: the segments in flight, consecutive sequence numbers from <see cref="FrontSequenceNumber"/>, in a growable
/// power-of-two ring. Each field of the retransmission state has its own array (structure of arrays), so the per-flush
/// scan reads four contiguous streams of 32-bit values, one hardware vector of slots per step (8 with AVX2, 4 with
/// SSE or NEON), and never touches a segment's data unless it sends it. Removal happens at the front (una), appends at the back (new segments); a
/// selective ACK only marks its slot. The arrays only grow, so steady-state use allocates nothing.
/// </summary>
internal sealed class KcpSendBuffer
{
    private const int InitialCapacity = 32;

    private KcpSegment?[] _segments = new KcpSegment?[InitialCapacity];
    private uint[] _resendAt = new uint[InitialCapacity];
    private uint[] _fastAck = new uint[InitialCapacity];
    private uint[] _timestamp = new uint[InitialCapacity];
    private uint[] _firstTimestamp = new uint[InitialCapacity];
    private uint[] _rto = new uint[InitialCapacity];
    private uint[] _transmissions = new uint[InitialCapacity];
    private uint[] _copies = new uint[InitialCapacity];

    // 0 or 1 rather than bool: same lane width as the other scanned fields.
    private uint[] _acked = new uint[InitialCapacity];
    private int _head;
    private int _count;
    private uint _frontSn;

    /// <summary>Number of segments held.</summary>
    public int Count => _count;

    /// <summary>Sequence number of the first slot; the slot at index i holds sequence number front + i. Valid when not empty.</summary>
    public uint FrontSequenceNumber => _frontSn;

    /// <summary>The slot at position <paramref name="index"/> counted from the front.</summary>
    public KcpSendSlot this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex();
            }

            int i = Physical(index);
            return new KcpSendSlot(
                _segments[i]!, ref _resendAt[i], ref _fastAck[i], ref _timestamp[i], ref _firstTimestamp[i], ref _rto[i],
                ref _transmissions[i], ref _copies[i], ref _acked[i]);
        }
    }

    /// <summary>
    /// Appends <paramref name="segment"/> as sequence number <paramref name="sn"/>, unsent and unacknowledged. The
    /// sequence number must follow the last one held, so that an ACK finds its slot by offset.
    /// </summary>
    public void PushBack(uint sn, KcpSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        if (_count == 0)
        {
            _frontSn = sn;
        }
        else if (sn != unchecked(_frontSn + (uint)_count))
        {
            throw new InvalidOperationException("snd_buf holds consecutive sequence numbers.");
        }

        if (_count == _segments.Length)
        {
            Grow();
        }

        int i = Physical(_count);
        _segments[i] = segment;
        _resendAt[i] = 0;
        _fastAck[i] = 0;
        _timestamp[i] = 0;
        _firstTimestamp[i] = 0;
        _rto[i] = 0;
        _transmissions[i] = 0;
        _copies[i] = 0;
        _acked[i] = 0;
        _count++;
    }

    /// <summary>Removes the first slot and returns its segment.</summary>
    public KcpSegment PopFront()
    {
        if (_count == 0)
        {
            ThrowIndex();
        }

        // Drop the reference so the ring does not keep a recycled segment reachable; PushBack resets the rest.
        var segment = _segments[_head]!;
        _segments[_head] = null;
        _head = Physical(1);
        _count--;
        _frontSn++;
        return segment;
    }

    /// <summary>
    /// Returns the first index at or after <paramref name="start"/> whose slot a flush at <paramref name="now"/> must
    /// send: not acknowledged, and never sent, or with at least <paramref name="fastAckLimit"/> fast ACKs, or due
    /// (resend time reached). Returns <see cref="Count"/> if none. Every unacknowledged slot passed over is not due, so
    /// its time to resend (always positive) lowers <paramref name="nextDue"/> if smaller, as a flush's scan would.
    /// </summary>
    public int NextToSend(int start, uint now, uint fastAckLimit, ref int nextDue)
    {
        // The ring is at most two contiguous runs of physical slots.
        int index = Math.Max(start, 0);
        while (index < _count)
        {
            int physical = Physical(index);
            int length = Math.Min(_count - index, _segments.Length - physical);
            int found = ScanRun(physical, physical + length, now, fastAckLimit, ref nextDue);
            if (found >= 0)
            {
                return index + (found - physical);
            }

            index += length;
        }

        return _count;
    }

    /// <summary>
    /// Counts an ACK that skipped over the first <paramref name="count"/> slots: each of them sent no later than the
    /// acknowledged segment (timestamp at or before <paramref name="ts"/>) gets one more fast ACK.
    /// </summary>
    public void AddFastAck(int count, uint ts)
    {
        int index = 0;
        int end = Math.Min(count, _count);
        while (index < end)
        {
            int physical = Physical(index);
            int length = Math.Min(end - index, _segments.Length - physical);
            AddFastAckRun(physical, physical + length, ts);
            index += length;
        }
    }

    private int Physical(int index) => (_head + index) & (_segments.Length - 1);

    // Scans physical slots [start, end); returns the physical index of the first slot to send, or -1.
    private int ScanRun(int start, int end, uint now, uint fastAckLimit, ref int nextDue)
    {
        int i = start;
        int min = nextDue;
        if (Vector.IsHardwareAccelerated)
        {
            ref uint resendAt = ref MemoryMarshal.GetArrayDataReference(_resendAt);
            ref uint fastAck = ref MemoryMarshal.GetArrayDataReference(_fastAck);
            ref uint transmissions = ref MemoryMarshal.GetArrayDataReference(_transmissions);
            ref uint acked = ref MemoryMarshal.GetArrayDataReference(_acked);
            var nowV = new Vector<uint>(now);
            var limitV = new Vector<uint>(fastAckLimit);
            var minV = new Vector<int>(min);
            var never = new Vector<int>(int.MaxValue);

            // All arrays share one length and end <= length, so every load below is in bounds.
            for (; i <= end - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var due = Vector.AsVectorInt32(Vector.LoadUnsafe(ref resendAt, (nuint)i) - nowV);
                var pending = Vector.AsVectorInt32(Vector.Equals(Vector.LoadUnsafe(ref acked, (nuint)i), Vector<uint>.Zero));
                var send = Vector.AsVectorInt32(Vector.Equals(Vector.LoadUnsafe(ref transmissions, (nuint)i), Vector<uint>.Zero))
                    | Vector.AsVectorInt32(Vector.GreaterThanOrEqual(Vector.LoadUnsafe(ref fastAck, (nuint)i), limitV))
                    | Vector.LessThanOrEqual(due, Vector<int>.Zero);
                if ((send & pending) != Vector<int>.Zero)
                {
                    // Some slot in this block must be sent: the scalar loop below finds which.
                    break;
                }

                minV = Vector.Min(minV, Vector.ConditionalSelect(pending, due, never));
            }

            for (int lane = 0; lane < Vector<int>.Count; lane++)
            {
                min = Math.Min(min, minV[lane]);
            }
        }

        var resendAtRun = _resendAt.AsSpan(i, end - i);
        var fastAckRun = _fastAck.AsSpan(i, resendAtRun.Length);
        var transmissionsRun = _transmissions.AsSpan(i, resendAtRun.Length);
        var ackedRun = _acked.AsSpan(i, resendAtRun.Length);
        for (int k = 0; k < resendAtRun.Length; k++)
        {
            if (ackedRun[k] != 0)
            {
                continue;
            }

            int due = KcpTime.Diff(resendAtRun[k], now);
            if ((transmissionsRun[k] == 0) | (fastAckRun[k] >= fastAckLimit) | (due <= 0))
            {
                nextDue = min;
                return i + k;
            }

            min = Math.Min(min, due);
        }

        nextDue = min;
        return -1;
    }

    // Physical slots [start, end): one more fast ACK for each sent at or before ts.
    private void AddFastAckRun(int start, int end, uint ts)
    {
        int i = start;
        if (Vector.IsHardwareAccelerated)
        {
            ref uint timestamp = ref MemoryMarshal.GetArrayDataReference(_timestamp);
            ref uint fastAck = ref MemoryMarshal.GetArrayDataReference(_fastAck);
            var tsV = new Vector<uint>(ts);
            for (; i <= end - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                // A true lane is all ones (-1): subtracting the mask adds 1 where the slot was sent no later than ts.
                var sentBefore = Vector.LessThanOrEqual(Vector.AsVectorInt32(Vector.LoadUnsafe(ref timestamp, (nuint)i) - tsV), Vector<int>.Zero);
                (Vector.LoadUnsafe(ref fastAck, (nuint)i) - Vector.AsVectorUInt32(sentBefore)).StoreUnsafe(ref fastAck, (nuint)i);
            }
        }

        for (; i < end; i++)
        {
            if (KcpTime.Diff(_timestamp[i], ts) <= 0)
            {
                _fastAck[i]++;
            }
        }
    }

    private void Grow()
    {
        int capacity = _segments.Length * 2;
        _segments = Unwrap(_segments, capacity);
        _resendAt = Unwrap(_resendAt, capacity);
        _fastAck = Unwrap(_fastAck, capacity);
        _timestamp = Unwrap(_timestamp, capacity);
        _firstTimestamp = Unwrap(_firstTimestamp, capacity);
        _rto = Unwrap(_rto, capacity);
        _transmissions = Unwrap(_transmissions, capacity);
        _copies = Unwrap(_copies, capacity);
        _acked = Unwrap(_acked, capacity);
        _head = 0;
    }

    // A copy of the ring's live slots, in order from index 0, in a new array of the given capacity.
    private T[] Unwrap<T>(T[] ring, int capacity)
    {
        var larger = new T[capacity];
        int firstRun = Math.Min(_count, ring.Length - _head);
        ring.AsSpan(_head, firstRun).CopyTo(larger);
        ring.AsSpan(0, _count - firstRun).CopyTo(larger.AsSpan(firstRun));
        return larger;
    }

    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
