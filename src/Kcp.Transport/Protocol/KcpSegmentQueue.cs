namespace Kcp.Transport.Protocol;

/// <summary>
/// A growable ring of segment references used for snd_queue, rcv_buf and rcv_queue (snd_buf is a
/// <see cref="KcpSendBuffer"/>). Removal happens at the front (una, delivery), appends at the back;
/// <see cref="Insert"/> supports the sn-ordered rcv_buf. The backing array only grows, so steady-state use allocates
/// nothing.
/// </summary>
internal sealed class KcpSegmentQueue
{
    private KcpSegment[] _items = new KcpSegment[32];
    private int _head;
    private int _count;

    /// <summary>Number of segments held.</summary>
    public int Count => _count;

    /// <summary>The segment at position <paramref name="index"/> counted from the front.</summary>
    public KcpSegment this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex();
            }

            return _items[(_head + index) & (_items.Length - 1)];
        }
    }

    /// <summary>The first segment.</summary>
    public KcpSegment Front => this[0];

    /// <summary>The last segment.</summary>
    public KcpSegment Back => this[_count - 1];

    /// <summary>Appends at the back.</summary>
    public void PushBack(KcpSegment segment)
    {
        if (_count == _items.Length)
        {
            Grow();
        }

        _items[(_head + _count) & (_items.Length - 1)] = segment;
        _count++;
    }

    /// <summary>Removes and returns the first segment.</summary>
    public KcpSegment PopFront()
    {
        if (_count == 0)
        {
            ThrowIndex();
        }

        var segment = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) & (_items.Length - 1);
        _count--;
        return segment;
    }

    /// <summary>Inserts so that the new segment ends up at <paramref name="index"/>; later ones shift back.</summary>
    public void Insert(int index, KcpSegment segment)
    {
        if ((uint)index > (uint)_count)
        {
            ThrowIndex();
        }

        if (_count == _items.Length)
        {
            Grow();
        }

        // Shift the tail one slot back; rcv_buf inserts land near the end, so this moves few entries.
        int mask = _items.Length - 1;
        for (int i = _count; i > index; i--)
        {
            _items[(_head + i) & mask] = _items[(_head + i - 1) & mask];
        }

        _items[(_head + index) & mask] = segment;
        _count++;
    }

    private void Grow()
    {
        var larger = new KcpSegment[_items.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            larger[i] = _items[(_head + i) & (_items.Length - 1)];
        }

        _items = larger;
        _head = 0;
    }

    private static void ThrowIndex() => throw new ArgumentOutOfRangeException("index");
}
