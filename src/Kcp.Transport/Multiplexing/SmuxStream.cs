namespace Kcp.Transport.Multiplexing;

/// <summary>
/// One smux stream: two pipes of its own. The frame reader delivers PSH payloads into <see cref="Input"/>'s pipe; the
/// application's flushes of <see cref="Output"/> queue the stream at the frame writer, which cuts PSH frames of at most
/// the max frame size (within the peer's window, version 2). A FIN from the peer completes the input; the application
/// completing the output sends our FIN. The stream leaves the session's table once our FIN is out and the input is
/// finished (the peer's FIN, or the application stopped reading).
/// </summary>
internal sealed class SmuxStream
{
    // smux's initial guess of a peer's window, before its first UPD (xtaci/smux initialPeerWindow).
    internal const uint InitialPeerWindow = 262144;

    private readonly SmuxSession _session;
    private readonly Lock _lock = new();
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Unread bytes up to this many are not charged to the session's budget: version 2 windows bound them (the peer's
    // first guess of our window, or the window we advertise), so waiting for budget there could only deadlock the
    // session with the peer's UPD frames queued behind data we would not read. Version 1 has no windows: 0.
    private readonly long _windowAllowance;

    // Input side (the frame reader and the application's reads), guarded by _lock where both touch it.
    private long _unread;
    private uint _numRead;
    private uint _readSinceUpdate;
    private bool _anyRead;
    private bool _inputEnded;     // our side of the input pipe is complete (peer FIN, reset or abort)
    private bool _inputAbandoned; // the application completed its reader
    private bool _tokensReleased; // unread bytes were given back to the budget at once; later reads return none

    // Output side (the frame writer), guarded by _lock.
    private bool _synPending;
    private bool _outputDone;     // our FIN is out (or the output was dropped by a reset)
    private bool _windowBlocked;
    private bool _aborted;
    private uint _numWritten;
    private uint _peerConsumed;
    private uint _peerWindow = InitialPeerWindow;
    private int _queued;
    private bool _removed;

    public SmuxStream(SmuxSession session, uint id, bool openedLocally)
    {
        _session = session;
        Id = id;
        _synPending = openedLocally;
        _windowAllowance = session.Version == 2 ? Math.Max(InitialPeerWindow, session.Options.MaxStreamBuffer) : 0;
        _input = new Pipe(session.InputPipeOptions);
        _output = new Pipe(session.OutputPipeOptions);
        Input = new SmuxStreamReader(this, _input.Reader);
        Output = new SmuxStreamWriter(this, _output.Writer);
    }

    public uint Id { get; }

    /// <summary>What the peer sent on this stream.</summary>
    public PipeReader Input { get; }

    /// <summary>What to send to the peer on this stream.</summary>
    public PipeWriter Output { get; }

    /// <summary>Cancelled (from the thread pool) when the peer finished the stream or it was reset or closed.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes once our FIN went out, or the stream was reset.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Queues the stream at the session's writer unless it already is.</summary>
    public void MarkReady()
    {
        if (Interlocked.CompareExchange(ref _queued, 1, 0) == 0)
        {
            _session.Writer.Ready(this);
        }
    }

    /// <summary>The writer took the stream off its queue: later flushes must queue it again.</summary>
    public void ClearQueued() => Volatile.Write(ref _queued, 0);

    /// <summary>Frame reader: a PSH payload (or part of one), charged to the session's budget beyond the window. Dropped when nobody will read it.</summary>
    public void Deliver(in ReadOnlySequence<byte> data)
    {
        long charge;
        lock (_lock)
        {
            if (_inputEnded || _inputAbandoned)
            {
                return;
            }

            foreach (ReadOnlyMemory<byte> segment in data)
            {
                _input.Writer.Write(segment.Span);
            }

            long before = Excess(_unread);
            _unread += data.Length;
            charge = Excess(_unread) - before;

            // No pause threshold on this pipe (the budget and the windows bound it): this completes at once.
            _ = _input.Writer.FlushAsync();
        }

        _session.Budget.Take(charge);
    }

    /// <summary>Frame reader: the peer's FIN. The input completes after what was delivered.</summary>
    public void OnRemoteFin()
    {
        lock (_lock)
        {
            EndInput(null);
            if (_windowBlocked)
            {
                // Version 2: the peer will never open its window again, so what waits can never be sent.
                _windowBlocked = false;
                _aborted = true;
            }
        }

        MarkReady();
    }

    /// <summary>Frame reader: a version-2 window update.</summary>
    public void OnUpdate(uint consumed, uint window)
    {
        bool wake;
        lock (_lock)
        {
            _peerConsumed = consumed;
            _peerWindow = window;
            wake = _windowBlocked;
            _windowBlocked = false;
        }

        if (wake)
        {
            MarkReady();
        }
    }

    /// <summary>The application consumed <paramref name="count"/> bytes: tokens go back, and version 2 tells the peer.</summary>
    public void OnConsumed(long count)
    {
        bool notify = false;
        uint consumed = 0;
        long tokens;
        lock (_lock)
        {
            tokens = 0;
            if (!_tokensReleased)
            {
                long before = Excess(_unread);
                _unread -= count;
                tokens = before - Excess(_unread);
            }

            if (_session.Version == 2 && !_inputEnded)
            {
                _numRead += (uint)count;
                _readSinceUpdate += (uint)count;

                // As smux: at the first read (so the peer learns our real window) and every half window.
                if (!_anyRead || _readSinceUpdate >= (uint)(_session.Options.MaxStreamBuffer / 2))
                {
                    notify = true;
                    consumed = _numRead;
                    _readSinceUpdate = 0;
                    _anyRead = true;
                }
            }
        }

        _session.Budget.Return(tokens);
        if (notify)
        {
            _session.Writer.Enqueue(new SmuxControlFrame(SmuxCommand.Upd, Id, consumed, (uint)_session.Options.MaxStreamBuffer));
        }
    }

    /// <summary>The application completed its reader: what is buffered and whatever comes later is dropped.</summary>
    public void OnInputCompleted()
    {
        long unread;
        lock (_lock)
        {
            if (_inputAbandoned)
            {
                return;
            }

            _inputAbandoned = true;
            unread = ReleaseTokens();
            TryRemove();
        }

        _session.Budget.Return(unread);
    }

    /// <summary>
    /// The application aborted the stream: its reads fail with <paramref name="reason"/>, what waits to be sent is dropped
    /// and the peer gets our FIN (smux has no reset).
    /// </summary>
    public void Abort(Exception reason)
    {
        long unread;
        lock (_lock)
        {
            EndInput(reason);
            _aborted = true;
            unread = ReleaseTokens();
        }

        _session.Budget.Return(unread);
        MarkReady();
    }

    /// <summary>The session ended: reads fail with <paramref name="reason"/>, writes complete, nothing more is sent.</summary>
    public void Reset(Exception reason)
    {
        long unread;
        lock (_lock)
        {
            EndInput(reason);
            if (!_outputDone)
            {
                _outputDone = true;
                _output.Reader.Complete();
            }

            unread = ReleaseTokens();
            _removed = true;
        }

        _session.Budget.Return(unread);
        _finished.TrySetResult();
        CancelClosed();
    }

    /// <summary>
    /// Frame writer: writes this stream's pending SYN, one PSH frame (within the window), or its FIN into
    /// <paramref name="transport"/>. Returns the bytes written; <paramref name="more"/> says whether it should be queued
    /// again.
    /// </summary>
    public int WriteFrames(PipeWriter transport, out bool more)
    {
        more = false;
        lock (_lock)
        {
            if (_outputDone)
            {
                return 0;
            }

            int written = 0;
            if (_synPending)
            {
                _synPending = false;
                written += WriteHeader(transport, SmuxCommand.Syn, 0);
            }

            if (_aborted)
            {
                // What waits is dropped; the FIN goes out even when nothing was written.
                if (_output.Reader.TryRead(out ReadResult dropped))
                {
                    _output.Reader.AdvanceTo(dropped.Buffer.End);
                }

                return written + Finish(transport);
            }

            if (!_output.Reader.TryRead(out ReadResult result))
            {
                return written;
            }

            ReadOnlySequence<byte> buffer = result.Buffer;

            if (buffer.IsEmpty)
            {
                _output.Reader.AdvanceTo(buffer.Start);
                return result.IsCompleted ? written + Finish(transport) : written;
            }

            int take = (int)Math.Min(buffer.Length, _session.Options.MaxFrameSize);
            if (_session.Version == 2)
            {
                int inFlight = (int)(_numWritten - _peerConsumed);
                if (inFlight < 0)
                {
                    _output.Reader.AdvanceTo(buffer.Start);
                    throw new SmuxProtocolException(Diagnostics.SmuxProtocolError.WindowViolation, $"the peer acknowledged more bytes than were sent on stream {Id}.");
                }

                int window = (int)_peerWindow - inFlight;
                if (window <= 0)
                {
                    _output.Reader.AdvanceTo(buffer.Start);
                    _windowBlocked = true;
                    return written;
                }

                take = Math.Min(take, window);
            }

            written += WriteHeader(transport, SmuxCommand.Psh, (ushort)take);
            ReadOnlySequence<byte> payload = buffer.Slice(0, take);
            foreach (ReadOnlyMemory<byte> segment in payload)
            {
                transport.Write(segment.Span);
            }

            _numWritten += (uint)take;
            _output.Reader.AdvanceTo(payload.End);
            more = buffer.Length > take || result.IsCompleted;
            return written + take;
        }
    }

    private int WriteHeader(PipeWriter transport, SmuxCommand command, ushort length)
    {
        new SmuxFrameHeader(_session.Version, command, length, Id).Write(transport.GetSpan(SmuxFrameHeader.Size));
        transport.Advance(SmuxFrameHeader.Size);
        _session.Counters.FrameSent((byte)command);
        return SmuxFrameHeader.Size;
    }

    private long Excess(long unread) => Math.Max(0, unread - _windowAllowance);

    // Under _lock: the bytes still unread stop counting against the session's budget.
    private long ReleaseTokens()
    {
        long unread = _tokensReleased ? 0 : Excess(_unread);
        _tokensReleased = true;
        _unread = 0;
        return unread;
    }

    // Under _lock: our FIN goes out after everything written before it.
    private int Finish(PipeWriter transport)
    {
        int written = WriteHeader(transport, SmuxCommand.Fin, 0);
        _outputDone = true;
        _output.Reader.Complete();
        _finished.TrySetResult();
        TryRemove();
        return written;
    }

    // Under _lock.
    private void EndInput(Exception? error)
    {
        if (_inputEnded)
        {
            return;
        }

        _inputEnded = true;
        _input.Writer.Complete(error);
        CancelClosed();
        TryRemove();
    }

    // Under _lock: the stream leaves the table once both directions are over.
    private void TryRemove()
    {
        if (!_removed && _outputDone && (_inputEnded || _inputAbandoned))
        {
            _removed = true;
            _session.RemoveStream(this);
        }
    }

    /// <summary>Cancels on the thread pool; a callback's exception is the application's bug and must not end the process.</summary>
    internal static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (AggregateException)
        {
        }
    }

    private void CancelClosed()
    {
        if (!_closed.IsCancellationRequested)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static cts => CancelQuietly(cts), _closed, preferLocal: false);
        }
    }
}
