using System.Threading.Tasks.Sources;
using Kcp.Transport.Fec;

namespace Kcp.Transport.Sessions;

/// <summary>
/// A session's received out-of-band datagrams until the application reads them: a bounded ring that drops the oldest
/// when full (for live state the newest matters), and one pending reader. The slots are pooled buffers rented on first
/// use and kept until the session closes, so a steady stream of datagrams allocates nothing; a reader that is already
/// waiting gets the payload copied straight into its buffer. Thread-safe: the receive loop adds under the session lock,
/// the application reads from any thread; its own small lock never waits for anything. After the session closed, what is
/// queued can still be read.
/// </summary>
internal sealed class DatagramInbox(int capacity) : IValueTaskSource<int>
{
    // Any datagram a peer may send fits (kcp-go's largest, 1500 bytes, less the smallest framing).
    private const int SlotSize = FecPacket.MaxDatagramSize;

    private readonly Lock _lock = new();
    private byte[]?[] _slots = [];
    private int[] _lengths = [];
    private int _head;
    private int _count;
    private Exception? _closed;

    // The one pending reader: busy from its ReceiveAsync until its GetResult, waiting until a datagram or the end comes.
    private ManualResetValueTaskSourceCore<int> _reader = new() { RunContinuationsAsynchronously = true };
    private bool _busy;
    private bool _waiting;
    private Memory<byte> _readerBuffer;
    private CancellationTokenRegistration _readerCancellation;
    private CancellationToken _readerToken;

    /// <summary>Datagrams queued now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Queues a copy of <paramref name="payload"/> (or hands it to the waiting reader); false when the oldest queued datagram had to go.</summary>
    public bool Add(ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (_closed is not null)
            {
                return true;
            }

            if (_waiting && payload.Length <= _readerBuffer.Length)
            {
                payload.CopyTo(_readerBuffer.Span);
                CompleteReader(payload.Length, error: null);
                return true;
            }

            if (capacity == 0)
            {
                return false;
            }

            if (_slots.Length == 0)
            {
                _slots = new byte[]?[capacity];
                _lengths = new int[capacity];
            }

            bool dropped = _count == capacity;
            if (dropped)
            {
                _head = (_head + 1) % capacity;
                _count--;
            }

            int tail = (_head + _count) % capacity;
            byte[] slot = _slots[tail] ??= ArrayPool<byte>.Shared.Rent(SlotSize);
            payload.CopyTo(slot);
            _lengths[tail] = payload.Length;
            _count++;
            if (_waiting)
            {
                // The waiting reader's buffer is too short for this datagram: it learns so now, the datagram stays queued.
                CompleteReader(0, TooShort(_readerBuffer.Length, payload.Length));
            }

            return !dropped;
        }
    }

    /// <summary>Copies the oldest queued datagram into <paramref name="buffer"/>; false when none is queued.</summary>
    public bool TryTake(Span<byte> buffer, out int length)
    {
        lock (_lock)
        {
            if (_busy)
            {
                throw new InvalidOperationException("A ReceiveDatagramAsync call is pending on this session; receive datagrams from one reader at a time.");
            }

            return TryTakeLocked(buffer, out length);
        }
    }

    /// <summary>The oldest datagram copied into <paramref name="buffer"/>, as soon as there is one.</summary>
    public ValueTask<int> TakeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_busy)
            {
                throw new InvalidOperationException("A ReceiveDatagramAsync call is already pending on this session; receive datagrams from one reader at a time.");
            }

            if (TryTakeLocked(buffer.Span, out int length))
            {
                return new ValueTask<int>(length);
            }

            if (_closed is not null)
            {
                return ValueTask.FromException<int>(_closed);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellationToken);
            }

            _busy = true;
            _waiting = true;
            _readerBuffer = buffer;
            _reader.Reset();
            _readerToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _readerCancellation = cancellationToken.UnsafeRegister(static (state, token) => ((DatagramInbox)state!).Cancel(token), this);
            }

            return new ValueTask<int>(this, _reader.Version);
        }
    }

    /// <summary>
    /// The session closed: what is queued can still be read (each slot goes back to the pool as it is read), then the
    /// reader fails with <paramref name="error"/>; nothing more is added.
    /// </summary>
    public void Close(Exception error)
    {
        lock (_lock)
        {
            if (_closed is not null)
            {
                return;
            }

            _closed = error;
            for (int i = 0; i < _slots.Length; i++)
            {
                // Slots that hold nothing to read go back now; the others when they are read.
                if (_slots[i] is { } slot && !IsQueued(i))
                {
                    ArrayPool<byte>.Shared.Return(slot);
                    _slots[i] = null;
                }
            }

            if (_waiting)
            {
                CompleteReader(0, error);
            }
        }
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        try
        {
            return _reader.GetResult(token);
        }
        finally
        {
            lock (_lock)
            {
                _busy = false;
            }
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _reader.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _reader.OnCompleted(continuation, state, token, flags);

    private bool TryTakeLocked(Span<byte> buffer, out int length)
    {
        if (_count == 0)
        {
            length = 0;
            return false;
        }

        length = _lengths[_head];
        if (length > buffer.Length)
        {
            throw TooShort(buffer.Length, length);
        }

        _slots[_head].AsSpan(0, length).CopyTo(buffer);
        if (_closed is not null)
        {
            ArrayPool<byte>.Shared.Return(_slots[_head]!);
            _slots[_head] = null;
        }

        _head = (_head + 1) % _slots.Length;
        _count--;
        return true;
    }

    private bool IsQueued(int slot) => (slot - _head + _slots.Length) % _slots.Length < _count;

    private void Cancel(CancellationToken token)
    {
        lock (_lock)
        {
            // A late callback of an earlier wait must not cancel a later one with another token.
            if (_waiting && _readerToken == token)
            {
                CompleteReader(0, new OperationCanceledException(token));
            }
        }
    }

    // Called under the lock; continuations run on the thread pool, never here.
    private void CompleteReader(int length, Exception? error)
    {
        _waiting = false;
        _readerBuffer = default;
        _readerCancellation.Unregister();
        _readerCancellation = default;
        _readerToken = default;
        if (error is null)
        {
            _reader.SetResult(length);
        }
        else
        {
            _reader.SetException(error);
        }
    }

    private static ArgumentException TooShort(int bufferLength, int datagramLength)
        => new($"The buffer of {bufferLength} bytes is shorter than the next datagram ({datagramLength} bytes); it stays queued. "
            + $"A buffer of {SlotSize} bytes holds any datagram a peer can send.", "buffer");
}
