using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// Moves the application's bytes from the output pipe into the engine while its send queue is below the send window
/// (what kcp-go's Write waits on), then flushes. When the pipe is empty a read stays registered and its continuation
/// runs inline on the writer's thread, so a write reaches the wire there, as in kcp-go. Guarded by the session's lock.
/// </summary>
internal sealed class OutputPump
{
    private readonly Session _session;
    private readonly KcpControlBlock _engine;
    private readonly DatagramSender _sender;
    private readonly SessionCounters _counters;
    private readonly Pipe _pipe;
    private readonly Action _onReadable;
    private TaskCompletionSource? _drained;
    private ValueTask<ReadResult> _pendingRead;
    private bool _readPending;  // a ReadAsync on the pipe is registered
    private bool _blocked;      // the send queue is full (or the amplification budget spent); resumed by input

    /// <summary>
    /// A pump for <paramref name="session"/> from a pipe built with <paramref name="options"/> into <paramref name="engine"/>,
    /// within what <paramref name="sender"/> allows, counting bytes into <paramref name="counters"/>. <paramref name="onReadable"/> runs (not under the lock) when a
    /// registered read completes: it takes the lock and calls <see cref="OnReadable"/>.
    /// </summary>
    public OutputPump(Session session, KcpControlBlock engine, DatagramSender sender, SessionCounters counters, PipeOptions options, Action onReadable)
    {
        _session = session;
        _engine = engine;
        _sender = sender;
        _counters = counters;
        _pipe = new Pipe(options);
        _onReadable = onReadable;
    }

    /// <summary>Bytes to deliver to the peer.</summary>
    public PipeWriter Writer => _pipe.Writer;

    /// <summary>
    /// The application has bytes for the stream that the amplification budget of an unvalidated address keeps back,
    /// with none in flight: the state out-of-band datagrams must not prolong (only the stream validates the address).
    /// </summary>
    public bool IsWaitingForBudget => _blocked && _engine.WaitSnd == 0;

    /// <summary>The application completed its output and all of it is in the engine.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Takes what the pipe holds into the engine and flushes; leaves a read registered when the pipe is empty.</summary>
    public void Pump(uint now)
    {
        bool queued = false;
        PipeReader reader = _pipe.Reader;
        while (_session.IsOpen && !IsCompleted && !_readPending)
        {
            long allowance = _sender.Allowance(_engine);
            if (_engine.WaitSnd >= _engine.SendWindow || allowance < 1)
            {
                // Resumed by Unblock when ACKs free the window (and validate the address).
                _blocked = true;
                break;
            }

            if (!reader.TryRead(out ReadResult result))
            {
                ValueTask<ReadResult> read = reader.ReadAsync();
                if (!read.IsCompleted)
                {
                    _readPending = true;
                    _pendingRead = read;
                    read.GetAwaiter().UnsafeOnCompleted(_onReadable);
                    break;
                }

                result = read.GetAwaiter().GetResult();
            }

            queued |= Queue(result, allowance);
        }

        if (queued)
        {
            _engine.Flush(now, ackOnly: false);
        }

        _session.AfterOutput();
    }

    /// <summary>The registered read completed: queue what arrived, flush, and pump on, unless the session closed.</summary>
    public void OnReadable(uint now)
    {
        _readPending = false;
        ReadResult result = _pendingRead.GetAwaiter().GetResult();
        _pendingRead = default;
        if (!_session.IsOpen)
        {
            return;
        }

        if (Queue(result, _sender.Allowance(_engine)))
        {
            _engine.Flush(now, ackOnly: false);
        }

        Pump(now);
    }

    /// <summary>After input: when ACKs freed the send window, the pump resumes.</summary>
    public void Unblock(uint now)
    {
        if (_blocked && _engine.WaitSnd < _engine.SendWindow)
        {
            _blocked = false;
            Pump(now);
        }
    }

    /// <summary>Completes once the application's output is complete and the peer acknowledged all of it (a graceful close waits for it).</summary>
    public Task Drained => (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Completes <see cref="Drained"/> when its time has come; called after every change.</summary>
    public void CheckDrained()
    {
        if (_drained is { } drained && IsCompleted && _engine.WaitSnd == 0)
        {
            drained.TrySetResult();
        }
    }

    /// <summary>The session closed: the application's later writes fail, and nobody waits for a drain any more.</summary>
    public void Complete()
    {
        _pipe.Reader.Complete();
        _drained?.TrySetResult();
    }

    /// <summary>Queues as much of <paramref name="result"/> as the send window allows, in pieces of at most one MSS.</summary>
    private bool Queue(in ReadResult result, long maxBytes)
    {
        ReadOnlySequence<byte> buffer = result.Buffer;
        long taken = 0;
        int mss = (int)Math.Min(_engine.Mss, maxBytes);
        foreach (ReadOnlyMemory<byte> memory in buffer)
        {
            ReadOnlySpan<byte> span = memory.Span;
            while (!span.IsEmpty && _engine.WaitSnd < _engine.SendWindow && taken < maxBytes)
            {
                int piece = Math.Min(span.Length, mss);
                _engine.Send(span.Slice(0, piece));
                span = span.Slice(piece);
                taken += piece;
            }

            if (!span.IsEmpty)
            {
                break;
            }
        }

        _pipe.Reader.AdvanceTo(buffer.GetPosition(taken));
        _counters.BytesSent += taken;
        if (result.IsCompleted && taken == buffer.Length)
        {
            IsCompleted = true;
        }

        return taken > 0;
    }
}
