namespace Kcp.Transport.Protocol;

/// <summary>
/// snd_buf: the segments in flight, consecutive sequence numbers from <see cref="FrontSequenceNumber"/>, held by value
/// in a growable power-of-two ring so that the per-flush scan is a tight walk over contiguous memory. Removal happens
/// at the front (una), appends at the back (new segments); a selective ACK only marks its slot. The backing array only
/// grows, so steady-state use allocates nothing.
/// </summary>
internal sealed class KcpSendBuffer
{
    private KcpSendSlot[] _slots = new KcpSendSlot[32];
    private int _head;
    private int _count;
    private uint _frontSn;

    /// <summary>Number of segments held.</summary>
    public int Count => _count;

    /// <summary>Sequence number of the first slot; the slot at index i holds sequence number front + i. Valid when not empty.</summary>
    public uint FrontSequenceNumber => _frontSn;

    /// <summary>The slot at position <paramref name="index"/> counted from the front.</summary>
    public ref KcpSendSlot this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex();
            }

            return ref _slots[(_head + index) & (_slots.Length - 1)];
        }
    }

    /// <summary>
    /// Appends <paramref name="segment"/> as sequence number <paramref name="sn"/>, unsent and unacknowledged. The
    /// sequence number must follow the last one held, so that an ACK finds its slot by offset.
    /// </summary>
    public void PushBack(uint sn, KcpSegment segment)
    {
        if (_count == 0)
        {
            _frontSn = sn;
        }
        else if (sn != unchecked(_frontSn + (uint)_count))
        {
            throw new InvalidOperationException("snd_buf holds consecutive sequence numbers.");
        }

        if (_count == _slots.Length)
        {
            Grow();
        }

        _slots[(_head + _count) & (_slots.Length - 1)] = new KcpSendSlot { Segment = segment };
        _count++;
    }

    /// <summary>Removes the first slot and returns its segment.</summary>
    public KcpSegment PopFront()
    {
        if (_count == 0)
        {
            ThrowIndex();
        }

        // Clear the whole slot: it must not keep the segment alive, and the next PushBack overwrites it anyway.
        var segment = _slots[_head].Segment;
        _slots[_head] = default;
        _head = (_head + 1) & (_slots.Length - 1);
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
        // Walk the ring as at most two contiguous runs: span loops without masking or bounds checks per slot.
        int min = nextDue;
        int index = start;
        while (index < _count)
        {
            int physical = (_head + index) & (_slots.Length - 1);
            var run = _slots.AsSpan(physical, Math.Min(_count - index, _slots.Length - physical));
            for (int i = 0; i < run.Length; i++)
            {
                ref KcpSendSlot slot = ref run[i];
                if (slot.Acked)
                {
                    continue;
                }

                int due = KcpTime.Diff(slot.ResendAt, now);

                // Non-short-circuit ors: one well-predicted branch for the common "nothing to do" slot.
                if ((slot.Transmissions == 0) | (slot.FastAck >= fastAckLimit) | (due <= 0))
                {
                    nextDue = min;
                    return index + i;
                }

                min = Math.Min(min, due);
            }

            index += run.Length;
        }

        nextDue = min;
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
            int physical = (_head + index) & (_slots.Length - 1);
            var run = _slots.AsSpan(physical, Math.Min(end - index, _slots.Length - physical));
            for (int i = 0; i < run.Length; i++)
            {
                ref KcpSendSlot slot = ref run[i];
                if (KcpTime.Diff(slot.Timestamp, ts) <= 0)
                {
                    slot.FastAck++;
                }
            }

            index += run.Length;
        }
    }

    private void Grow()
    {
        var larger = new KcpSendSlot[_slots.Length * 2];
        int firstRun = Math.Min(_count, _slots.Length - _head);
        _slots.AsSpan(_head, firstRun).CopyTo(larger);
        _slots.AsSpan(0, _count - firstRun).CopyTo(larger.AsSpan(firstRun));
        _slots = larger;
        _head = 0;
    }

    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
