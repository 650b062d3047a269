using Kcp.Transport.Io;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// Moves complete messages from the engine's receive queue into the application's input pipe. When the pipe is full
/// it stops, and what stays in KCP closes the window the peer sees: backpressure reaches the peer. Within a receive
/// turn the pipe is flushed once, at the turn's end. Guarded by the session's lock.
/// </summary>
internal sealed class InputPump
{
    private readonly KcpControlBlock _engine;
    private readonly SessionCounters _counters;
    private readonly Pipe _pipe;
    private readonly long _maxReadBuffer;
    private readonly Action _onDrained;
    private readonly IDeferredReceiveWork _deferral;
    private ValueTask<FlushResult> _pendingFlush;
    private bool _paused;           // the pipe is full: leave data in KCP so its window closes
    private bool _completed;        // the application stopped reading: discard what arrives
    private bool _flushDeferred;    // data waits in the pipe for the end of the receive turn

    /// <summary>
    /// A pump from <paramref name="engine"/> into a pipe built with <paramref name="options"/>, counting bytes into
    /// <paramref name="counters"/>. <paramref name="onDrained"/> runs (not under the lock) when a paused flush completes:
    /// it takes the lock and calls <see cref="Resume"/>; <paramref name="deferral"/> is what a receive turn runs at its
    /// end: it takes the lock and calls <see cref="FlushDeferred"/>.
    /// </summary>
    public InputPump(KcpControlBlock engine, SessionCounters counters, PipeOptions options, Action onDrained, IDeferredReceiveWork deferral)
    {
        _deferral = deferral;
        _engine = engine;
        _counters = counters;
        _pipe = new Pipe(options);
        _maxReadBuffer = options.PauseWriterThreshold;
        _onDrained = onDrained;
    }

    /// <summary>Bytes received from the peer, in order.</summary>
    public PipeReader Reader => _pipe.Reader;

    /// <summary>A close notice arrived: the peer sends nothing more.</summary>
    public bool RemoteClosed { get; set; }

    /// <summary>The receive turn whose datagram is being processed, if any: the flush is deferred to its end.</summary>
    public ReceiveTurn? Turn { get; set; }

    /// <summary>Moves what the engine has into the pipe until the pipe asks us to pause.</summary>
    public void Pump()
    {
        if (_paused)
        {
            return;
        }

        PipeWriter writer = _pipe.Writer;
        long budget = _maxReadBuffer;
        bool wrote = false;
        int size;
        while ((size = _engine.PeekSize()) > 0)
        {
            if (_completed)
            {
                // Nobody reads any more: drain KCP so the peer is not stalled by a closed window.
                Discard(size);
                continue;
            }

            int n = _engine.Receive(writer.GetSpan(size));
            writer.Advance(n);
            _counters.BytesReceived += n;
            wrote = true;
            if ((budget -= n) <= 0)
            {
                break;
            }
        }

        if (!wrote && !_flushDeferred)
        {
            return;
        }

        // A close notice is acted on right after this: the application must have everything first. Past a quarter of
        // the read buffer unflushed, flush now: the pipe pauses only at a flush, and a reader that does not read must
        // stop us within about the read buffer, turn or not.
        if (!RemoteClosed && writer.UnflushedBytes < _maxReadBuffer / 4 && Turn is { } turn)
        {
            if (!_flushDeferred)
            {
                _flushDeferred = true;
                turn.Defer(_deferral);
            }

            return;
        }

        _flushDeferred = false;
        Flush();
    }

    /// <summary>The end of a receive turn: flushes what <see cref="Pump"/> left in the pipe, unless the session closed.</summary>
    public void FlushDeferred(bool sessionOpen)
    {
        _flushDeferred = false;
        if (sessionOpen && !_paused && !_completed)
        {
            Flush();
        }
    }

    /// <summary>A paused flush completed (the application read): takes its result and, unless the session closed, pumps again.</summary>
    public void Resume(bool sessionOpen)
    {
        _paused = false;
        FlushResult result = _pendingFlush.GetAwaiter().GetResult();
        _pendingFlush = default;
        if (sessionOpen)
        {
            _completed |= result.IsCompleted;
            Pump();
        }
    }

    /// <summary>Lifts a pause so that everything left reaches the application (the peer closed).</summary>
    public void Unpause() => _paused = false;

    /// <summary>Ends the application's input, with <paramref name="error"/> for an abnormal end.</summary>
    public void Complete(Exception? error) => _pipe.Writer.Complete(error);

    private void Flush()
    {
        ValueTask<FlushResult> flush = _pipe.Writer.FlushAsync();
        if (flush.IsCompleted)
        {
            _completed |= flush.Result.IsCompleted;
            if (_engine.PeekSize() > 0 && !_completed)
            {
                Pump();
            }

            return;
        }

        _paused = true;
        _pendingFlush = flush;
        flush.GetAwaiter().UnsafeOnCompleted(_onDrained);
    }

    private void Discard(int size)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(size);
        _engine.Receive(rented);
        ArrayPool<byte>.Shared.Return(rented);
    }
}
