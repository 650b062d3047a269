namespace Kcp.Transport.Protocol;

/// <summary>Application side: Send splits user bytes into segments, PeekSize/Receive reassemble them (kcp-wire.md §2.3–2.4).</summary>
internal sealed partial class KcpControlBlock
{
    /// <summary>
    /// Queues <paramref name="data"/> for sending. Returns 0, -1 if empty, -2 if it needs more than 255 fragments (or,
    /// in message mode, more fragments than the receive window, since such a message could never be delivered).
    /// </summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.IsEmpty)
        {
            return -1;
        }

        int mss = Mss;
        if (StreamMode && _sendQueue.Count > 0)
        {
            // Top up the last segment that is still waiting in snd_queue (not yet in flight).
            var last = _sendQueue.Back;
            int room = Math.Min(mss, last.Buffer.Length) - last.Length;
            if (room > 0)
            {
                int extend = Math.Min(room, data.Length);
                data[..extend].CopyTo(last.Buffer.AsSpan(last.Length));
                last.Length += extend;
                data = data[extend..];
            }

            if (data.IsEmpty)
            {
                return 0;
            }
        }

        int count = (data.Length + mss - 1) / mss;
        if (count > KcpConstants.MaxFragments || (!StreamMode && count > _receiveWindow))
        {
            return -2;
        }

        for (int i = 0; i < count; i++)
        {
            int size = Math.Min(data.Length, mss);

            // Rent a full mss so that stream mode can append to this segment later.
            var segment = _pool.Rent(mss);
            data[..size].CopyTo(segment.Buffer);
            segment.Length = size;
            segment.Fragment = StreamMode ? (byte)0 : (byte)(count - i - 1);
            _sendQueue.PushBack(segment);
            data = data[size..];
        }

        return 0;
    }

    /// <summary>Size of the next complete message in rcv_queue, or -1 if there is none.</summary>
    public int PeekSize()
    {
        if (_receiveQueue.Count == 0)
        {
            return -1;
        }

        var first = _receiveQueue.Front;
        if (first.Fragment == 0)
        {
            return first.Length;
        }

        if (_receiveQueue.Count < first.Fragment + 1)
        {
            return -1;
        }

        int length = 0;
        for (int i = 0; i < _receiveQueue.Count; i++)
        {
            var segment = _receiveQueue[i];
            length += segment.Length;
            if (segment.Fragment == 0)
            {
                break;
            }
        }

        return length;
    }

    /// <summary>
    /// Copies the next complete message into <paramref name="buffer"/>. Returns its length, -1 if none is complete,
    /// -2 if the buffer is smaller than <see cref="PeekSize"/> (kcp-go codes).
    /// </summary>
    public int Receive(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = PeekSize();
        if (size < 0)
        {
            return -1;
        }

        if (size > buffer.Length)
        {
            return -2;
        }

        bool wasFull = _receiveQueue.Count >= _receiveWindow;
        int written = 0;
        while (_receiveQueue.Count > 0)
        {
            var segment = _receiveQueue.PopFront();
            segment.Data.CopyTo(buffer[written..]);
            written += segment.Length;
            byte fragment = segment.Fragment;
            _pool.Return(segment);
            if (fragment == 0)
            {
                break;
            }
        }

        MoveReadySegments();

        // Fast recover: the peer saw a zero window; tell it at once that space reopened instead of waiting for its probe.
        if (wasFull && _receiveQueue.Count < _receiveWindow)
        {
            _probe |= KcpConstants.AskTell;
        }

        return written;
    }

    // Moves the in-order run at the head of rcv_buf to rcv_queue while the queue has room.
    private void MoveReadySegments()
    {
        while (_receiveBuffer.Count > 0
            && _receiveBuffer.Front.SequenceNumber == _receiveNext
            && _receiveQueue.Count < _receiveWindow)
        {
            _receiveQueue.PushBack(_receiveBuffer.PopFront());
            _receiveNext++;
        }
    }
}
