using System.Threading.Channels;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// An smux session (xtaci/smux v1 or v2) over any duplex pipe, such as a KCP session: the stream table, opening and
/// accepting streams, and the session's end. Its frame reader and frame writer each run one loop; the keep-alive runs
/// on two timers. Stream ids are odd for the client and even for the server, counting from 3 and 2 as smux does.
/// When the session ends, every open stream is reset: its reads fail with <see cref="KcpSmuxSessionClosedException"/>.
/// </summary>
internal sealed class SmuxSession
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, SmuxStream> _streams = [];
    private readonly Channel<SmuxStream> _accepts = Channel.CreateUnbounded<SmuxStream>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SmuxFrameReader _reader;
    private readonly IDuplexPipe _transport;
    private readonly ILogger _logger;
    private readonly SmuxKeepAlive _keepAlive;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _nextStreamId;
    private bool _idsExhausted;
    private int _pendingAccepts;
    private long _streamsOpened;
    private long _refused;
    private volatile int _closeReason;
    private Task _loops = Task.CompletedTask;

    public SmuxSession(IDuplexPipe transport, KcpSmuxOptions options, bool isClient, string remote, ILogger logger, SmuxCounters counters, MemoryPool<byte>? pool, TimeProvider? time = null)
    {
        Options = options;
        Version = (byte)options.Version;
        IsClient = isClient;
        Remote = remote;
        Counters = counters;
        _logger = logger;
        _nextStreamId = isClient ? 1u : 0u;
        Budget = new ReceiveBudget(options.MaxReceiveBuffer);

        // Stream input: never paused (the budget and the windows bound it), the application's reads resume on the pool
        // so that no application code runs on the frame reader. Stream output: held back at two frames' worth.
        // Segments of up to 16 KiB, as the KCP session's pipes: few segments per megabyte buffered.
        int segment = Math.Min((pool ?? MemoryPool<byte>.Shared).MaxBufferSize, 16 * 1024);
        InputPipeOptions = new PipeOptions(pool, readerScheduler: PipeScheduler.ThreadPool, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: segment, useSynchronizationContext: false);
        long pause = Math.Max(64 * 1024, 2L * options.MaxFrameSize);
        OutputPipeOptions = new PipeOptions(pool, readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, minimumSegmentSize: segment, useSynchronizationContext: false);

        _transport = options.Compression == KcpSmuxCompression.Snappy ? new SnappyPipe(transport, pool) : transport;
        _reader = new SmuxFrameReader(this, _transport.Input);
        Writer = new SmuxFrameWriter(this, _transport.Output);
        _keepAlive = new SmuxKeepAlive(this, _reader, time ?? TimeProvider.System);
    }

    public KcpSmuxOptions Options { get; }

    public byte Version { get; }

    public bool IsClient { get; }

    /// <summary>The peer, as logs name it.</summary>
    public string Remote { get; }

    public SmuxCounters Counters { get; }

    public ReceiveBudget Budget { get; }

    public SmuxFrameWriter Writer { get; }

    public PipeOptions InputPipeOptions { get; }

    public PipeOptions OutputPipeOptions { get; }

    public bool IsClosing => _closeReason != (int)KcpSmuxCloseReason.None;

    public KcpSmuxCloseReason CloseReason => (KcpSmuxCloseReason)_closeReason;

    /// <summary>Cancelled (from the thread pool) when the session ended.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Completes when the session ended and its loops stopped.</summary>
    public Task Completion => _completion.Task;

    public int StreamCount
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>Starts the frame reader, the frame writer and the keep-alive.</summary>
    public void Start()
    {
        Counters.SessionOpened();
        KcpTransportLog.SmuxSessionStarted(_logger, Version, Remote, IsClient ? "client" : "server", Options.Compression);
        if (_transport is SnappyPipe snappy)
        {
            snappy.Start();
        }

        Task reader = Task.Run(_reader.RunAsync);
        Task writer = Task.Run(Writer.RunAsync);
        _loops = Task.WhenAll(reader, writer);
        _keepAlive.Start(Options.KeepAliveInterval, Options.KeepAliveTimeout);
    }

    /// <summary>Opens a stream (its SYN goes out before any of its data).</summary>
    public SmuxStream OpenStream()
    {
        SmuxStream stream;
        lock (_lock)
        {
            if (IsClosing)
            {
                throw new KcpSmuxSessionClosedException(CloseReason, "no stream can be opened.");
            }

            if (_idsExhausted || _nextStreamId > uint.MaxValue - 2)
            {
                // smux's ErrGoAway: the ids of this session are used up; a new session must be started.
                _idsExhausted = true;
                throw new InvalidOperationException("The smux session has used all its stream ids; open a new session.");
            }

            _nextStreamId += 2;
            stream = new SmuxStream(this, _nextStreamId, openedLocally: true);
            _streams.Add(stream.Id, stream);
            _streamsOpened++;
        }

        Counters.StreamOpened();
        stream.MarkReady();
        return stream;
    }

    /// <summary>The next stream the peer opened, or null once the session has ended.</summary>
    public async ValueTask<SmuxStream?> AcceptStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            SmuxStream stream = await _accepts.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Decrement(ref _pendingAccepts);
            return stream;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Frame reader: the peer opened <paramref name="id"/>.</summary>
    public void OnSyn(uint id)
    {
        SmuxStream stream;
        lock (_lock)
        {
            if (IsClosing || _streams.ContainsKey(id))
            {
                return;
            }

            if (Volatile.Read(ref _pendingAccepts) >= Options.AcceptBacklog)
            {
                long refused = ++_refused;
                Counters.ProtocolError(SmuxProtocolError.AcceptBacklogFull);
                if (refused == 1 || refused % 100 == 0)
                {
                    KcpTransportLog.SmuxStreamRefused(_logger, Remote, id, Options.AcceptBacklog, refused);
                }

                Writer.Enqueue(new SmuxControlFrame(SmuxCommand.Fin, id));
                return;
            }

            stream = new SmuxStream(this, id, openedLocally: false);
            _streams.Add(id, stream);
            _streamsOpened++;
            Interlocked.Increment(ref _pendingAccepts);
        }

        Counters.StreamOpened();
        _accepts.Writer.TryWrite(stream);
    }

    public SmuxStream? FindStream(uint id)
    {
        lock (_lock)
        {
            return _streams.GetValueOrDefault(id);
        }
    }

    /// <summary>A stream is over in both directions (called under the stream's lock; this lock nests inside it).</summary>
    public void RemoveStream(SmuxStream stream)
    {
        bool removed;
        lock (_lock)
        {
            removed = _streams.Remove(stream.Id);
        }

        if (removed)
        {
            Counters.StreamClosed();
        }
    }

    public void OnProtocolError(SmuxProtocolException e)
    {
        Counters.ProtocolError(e.Error);
        if (!IsClosing)
        {
            KcpTransportLog.SmuxProtocolError(_logger, Remote, e.Error.TagValue(), e.Message);
        }

        Close(KcpSmuxCloseReason.ProtocolError, $"{e.Error.TagValue()}: {e.Message}", e);
    }

    public void OnTransportEnded(Exception? e)
        => Close(KcpSmuxCloseReason.TransportClosed, e is null ? "the transport ended." : $"the transport failed: {e.Message}", e);

    public void OnKeepAliveTimeout()
    {
        KcpTransportLog.SmuxKeepAliveTimeout(_logger, Remote, Options.KeepAliveTimeout);
        Close(KcpSmuxCloseReason.KeepAliveTimeout, $"nothing arrived for {Options.KeepAliveTimeout}.", null);
    }

    /// <summary>Ends the session: every open stream is reset, the loops stop, the transport's pipes are completed.</summary>
    public void Close(KcpSmuxCloseReason reason, string detail, Exception? error)
    {
        SmuxStream[] streams;
        lock (_lock)
        {
            if (IsClosing)
            {
                return;
            }

            _closeReason = (int)reason;
            streams = [.. _streams.Values];
            _streams.Clear();
        }

        _keepAlive.Dispose();
        _accepts.Writer.TryComplete();
        foreach (SmuxStream stream in streams)
        {
            Counters.StreamClosed();
            stream.Reset(new KcpSmuxSessionClosedException(reason, detail, error));
        }

        Writer.Stop();
        Budget.Wake();
        _transport.Input.CancelPendingRead();
        (_transport as SnappyPipe)?.Stop();
        Counters.SessionClosed();
        KcpTransportLog.SmuxSessionClosed(_logger, Remote, reason, Interlocked.Read(ref _streamsOpened));
        ThreadPool.UnsafeQueueUserWorkItem(static cts => SmuxStream.CancelQuietly(cts), _closed, preferLocal: false);
        _ = CompleteWhenStoppedAsync();
    }

    private async Task CompleteWhenStoppedAsync()
    {
        try
        {
            await _loops.ConfigureAwait(false);
            if (_transport is SnappyPipe snappy)
            {
                await snappy.Completion.ConfigureAwait(false);
            }
        }
        finally
        {
            // Streams accepted but never taken by the application were reset above; drain them so nothing holds them.
            while (_accepts.Reader.TryRead(out _))
            {
            }

            _completion.TrySetResult();
        }
    }
}
