using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;
using Kcp.Transport.Io;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport.Sessions;

/// <summary>
/// One KCP conversation with one remote address, composed of parts: the pure engine, the packet protection's session
/// state, the <see cref="FecChannel"/>, the <see cref="AmplificationGuard"/>, the two pipe pumps and the
/// <see cref="SessionCounters"/>. It owns no thread, timer or task: receive loops hand it datagrams, the scheduler
/// wakes it at its deadline, and the application's pipe calls push data in. One lock guards all parts; it is never
/// held while the owner or the application runs.
/// </summary>
internal sealed partial class Session : IPacketHandler, IKcpOutputSink, IKcpTimerTarget, IFecRecoveredSink, IDeferredReceiveWork
{
    private readonly SessionContext _context;
    private readonly KcpClock _clock;
    private readonly IPacketHandlerOwner _owner;
    private readonly SessionLock _lock;
    private readonly EngineDriver _driver;
    private readonly KcpControlBlock _engine;   // the driver's engine
    private readonly SessionProtection _protection;
    private readonly FecChannel _fec;
    private readonly AmplificationGuard _guard;
    private readonly DatagramSender _sender;
    private readonly InputPump _input;
    private readonly OutputPump _output;
    private readonly SessionCounters _counters;
    private readonly CancellationTokenSource _closedSource = new();
    private readonly SessionTimeouts _timeouts;
    private long _timerDue = long.MaxValue; // owned by the scheduler
    private KcpCloseReason _closeReason;
    private long _lastReceiveMs;
    private bool _anyReceived;              // a valid datagram arrived (a dialed session's connect timeout stops)
    private KcpCloseKind? _notice;          // the peer's close notice, acted on after its datagram
    private uint _now;                      // the time of the packet being processed, for FEC-recovered input
    private long _datagramsReceived;        // accepted datagrams (admission ranks unvalidated sessions by it)

    public Session(uint conv, SocketAddress remoteAddress, bool passive, SessionContext context, IPacketHandlerOwner owner)
    {
        KcpOptions options = context.Options;
        _context = context;
        _clock = context.Clock;
        _owner = owner;
        _lock = new SessionLock(context.SendBatches);
        Conversation = conv;
        RemoteAddress = remoteAddress;
        RemoteEndPoint = remoteAddress.ToIPEndPoint();
        IsPassive = passive;
        _timeouts = new SessionTimeouts(options);
        _guard = new AmplificationGuard(validated: !passive, options.Security.AmplificationFactor, _clock.NowMs64);
        _protection = context.Protection.CreateSession();
        _sender = new DatagramSender(context, _lock, _protection, _guard, remoteAddress);
        _driver = new EngineDriver(conv, options, context.HeaderRoom, context.Protection.TrailerSize, this, _clock);
        _engine = _driver.Engine;
        _fec = new FecChannel(options.DataShards, options.ParityShards, context.Protection.HeaderSize);
        _counters = new SessionCounters(_lock.Gate, _engine, _fec);
        _input = new InputPump(_engine, _counters, context.InputPipe, OnInputDrained, this);
        _output = new OutputPump(this, _engine, _sender, _counters, context.OutputPipe, OnOutputReadable);
        Datagrams = new DatagramChannel(context, _lock, _sender, _output, _counters, conv, passive, error => Close(KcpCloseReason.Aborted, error));
    }

    /// <summary>Out-of-band datagrams beside the stream.</summary>
    public DatagramChannel Datagrams { get; }

    /// <inheritdoc/>
    public uint Conversation { get; }

    /// <summary>The peer's address in the form the socket reports it (the key its ingress routes by).</summary>
    public SocketAddress RemoteAddress { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint => _context.Socket.LocalEndPoint;

    /// <summary>True for sessions a listener accepted, false for dialed ones.</summary>
    public bool IsPassive { get; }

    /// <summary>The socket this session sends on (its own when dialed, the listener's when accepted).</summary>
    public UdpSocket Socket => _context.Socket;

    /// <summary>The memory behind the session's pipes.</summary>
    public MemoryPool<byte> MemoryPool => _context.MemoryPool;

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output.Writer;

    public CancellationToken Closed => _closedSource.Token;

    public KcpCloseReason CloseReason
    {
        get
        {
            lock (_lock.Gate)
            {
                return _closeReason;
            }
        }
    }

    /// <inheritdoc/>
    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    /// <summary>True once the peer echoed one of our segments (always true for dialed sessions).</summary>
    public bool IsAddressValidated => _guard.IsValidated;

    /// <summary>True while the session is open (read under the lock).</summary>
    internal bool IsOpen => _closeReason == KcpCloseReason.None;

    ref long IKcpTimerTarget.TimerDue => ref _timerDue;

    /// <summary>What the session counted, as its owner's counters read it.</summary>
    public ISessionCounters Counters => _counters;

    /// <summary>A snapshot of the ARQ state and counters; a closed session keeps the counters it had at close.</summary>
    public KcpSessionStatistics GetStatistics()
    {
        lock (_lock.Gate)
        {
            KcpMetricsSnapshot counters = _counters.Read();
            return IsOpen ? _driver.Statistics(counters) : new KcpSessionStatistics { Counters = counters };
        }
    }

    /// <summary>Runs the first flush, arms the scheduler and starts taking application writes.</summary>
    public void Start()
    {
        long now64 = _clock.NowMs64;
        using (_lock.Enter())
        {
            // Another receive loop may already have closed it (a takeover, the listener's disposal).
            if (!IsOpen)
            {
                return;
            }

            _lastReceiveMs = now64;
            uint wait = _engine.Flush(_driver.Time(now64), ackOnly: false);
            _output.Pump(_driver.Time(now64));
            _context.Scheduler.Schedule(this, now64 + wait);
        }
    }

    /// <summary>
    /// Feeds one classified datagram to the engine (its FEC shard to the decoder first), then moves what became
    /// readable to the application and what became sendable into KCP. Within a receive <paramref name="turn"/>, the
    /// input pipe is flushed once at the turn's end.
    /// </summary>
    public void Receive(in InboundPacket packet, ReceiveTurn? turn)
    {
        long now64 = _clock.NowMs64;
        uint now = _driver.Time(now64);
        bool validated = false;
        KcpCloseReason remoteClosed = KcpCloseReason.None;
        using (_lock.Enter())
        {
            if (!IsOpen || !Accept(packet.Datagram, now64))
            {
                return;
            }

            _guard.OnReceived(packet.WireLength);
            _lastReceiveMs = now64;
            bool first = !_anyReceived;
            _anyReceived = true;
            _now = now;
            Volatile.Write(ref _datagramsReceived, _datagramsReceived + 1);

            // Raw KCP and data shards reach the engine at once; the decoder only adds what it rebuilds (kcp-go's order).
            // An out-of-band datagram goes to the datagram channel instead (which also checks a datagram-opened stream).
            if ((!packet.IsFec || packet.Fec.IsData) && !Datagrams.Receive(packet, anyReceived: !first))
            {
                InputKcp(packet.Kcp, regular: true);
            }

            if (packet.IsFec)
            {
                _counters.FecParityShards += packet.Fec.IsData ? 0 : 1;
                Session sink = this;
                _fec.Decode(packet, now, ref sink);
            }

            // The first datagram is acknowledged at once (kcp-go's new session flushes at once too), not at the next
            // tick: a new peer learns within a round trip that someone listens, and its first RTT sample is a real one.
            _driver.AckIfDue(now, first);
            validated = _engine.PeerEchoed && _guard.Validate();
            _input.Turn = turn;
            try
            {
                AfterInput(now);
            }
            finally
            {
                _input.Turn = null;
            }

            // A graceful close comes after all the peer's data was acknowledged: hand the rest to the application, then end.
            remoteClosed = _notice switch
            {
                KcpCloseKind.Graceful => KcpCloseReason.RemoteClose,
                KcpCloseKind.Reset => KcpCloseReason.Reset,
                null => KcpCloseReason.None,
                _ => KcpCloseReason.RemoteAbort,
            };
            if (remoteClosed == KcpCloseReason.RemoteClose)
            {
                _input.Unpause();
                _input.Pump();
            }
        }

        if (validated)
        {
            _owner.OnValidated(this);
        }

        if (remoteClosed != KcpCloseReason.None)
        {
            Close(remoteClosed, remoteClosed == KcpCloseReason.RemoteClose ? null : new KcpSessionClosedException(remoteClosed));
        }
    }

    /// <inheritdoc/>
    public void OnForged() => _counters.OnForged();

    void IFecRecoveredSink.OnRecovered(ReadOnlySpan<byte> kcpPart)
    {
        _counters.FecRecovered++;
        InputKcp(kcpPart, regular: false);
    }

    void IKcpOutputSink.Output(Span<byte> datagram) => _fec.Send(datagram, _sender);

    /// <summary>After the output pump ran: completes a pending close and makes sure work is flushed within an interval.</summary>
    internal void AfterOutput()
    {
        _output.CheckDrained();
        ArmTimer(_clock.NowMs64);
    }

    void IDeferredReceiveWork.RunDeferred()
    {
        lock (_lock.Gate)
        {
            _input.FlushDeferred(IsOpen);
        }
    }

    long IKcpTimerTarget.OnTimer(long nowMs)
    {
        KcpCloseReason expired = KcpCloseReason.None;
        try
        {
            using (_lock.Enter())
            {
                if (!IsOpen)
                {
                    return -1;
                }

                bool validated = _guard.IsValidated;
                if (_timeouts.IsConnectLate(nowMs, _sender.FirstSentMs, _anyReceived))
                {
                    expired = KcpCloseReason.ConnectTimeout;
                }
                else if (_timeouts.IsIdle(nowMs, _lastReceiveMs, validated))
                {
                    expired = KcpCloseReason.IdleTimeout;
                }
                else
                {
                    uint wait = _engine.Flush(_driver.Time(nowMs), ackOnly: false);
                    if (SessionTimeouts.IsDead(_engine.IsDeadLink, nowMs, _lastReceiveMs))
                    {
                        expired = KcpCloseReason.DeadLink;
                    }
                    else if (!_engine.IsIdle)
                    {
                        _counters.SampleRtt(nowMs, _engine.SmoothedRtt, _context.Counters);
                        return nowMs + wait;
                    }
                    else
                    {
                        // Nothing to do until something arrives or is written: those call ArmTimer.
                        return _timeouts.IdleWake(nowMs, _lastReceiveMs, validated);
                    }
                }
            }
        }
        catch (Exception e)
        {
            KcpTransportLog.SessionFault(_context.Logger, Conversation, e);
            expired = KcpCloseReason.Aborted;
        }

        Close(expired, expired == KcpCloseReason.ConnectTimeout ? SessionTimeouts.ConnectTimeoutError(_context.Options, RemoteEndPoint) : new KcpSessionClosedException(expired));
        return -1;
    }

    /// <summary>Replay and reflection checks of the session's protection (aes-128-gcm); counted and dropped on failure.</summary>
    private bool Accept(ReadOnlySpan<byte> datagram, long nowMs)
    {
        PacketVerdict verdict = _protection.Accept(datagram, nowMs);
        if (verdict != PacketVerdict.Accepted)
        {
            _context.Counters.OnDropped(verdict == PacketVerdict.Replayed ? PacketDropReason.Replayed : PacketDropReason.Reflected);
        }

        return verdict == PacketVerdict.Accepted;
    }

    private void InputKcp(ReadOnlySpan<byte> kcp, bool regular)
    {
        if (!_driver.Input(kcp, regular, _now, ref _notice))
        {
            _context.Counters.OnDropped(PacketDropReason.Malformed);
        }

        _input.RemoteClosed |= _notice is not null;
    }

    private void AfterInput(uint now)
    {
        _input.Pump();
        _output.Unblock(now);
        _output.CheckDrained();
        ArmTimer(_clock.NowMs64);
    }

    /// <summary>Makes sure a session with work is flushed within one interval. Called under the lock after every change.</summary>
    private void ArmTimer(long nowMs)
    {
        if (!_engine.IsIdle)
        {
            _context.Scheduler.Reschedule(this, nowMs + _context.Options.Interval);
        }
    }

    private void OnInputDrained()
    {
        lock (_lock.Gate)
        {
            _input.Resume(IsOpen);
            if (IsOpen)
            {
                ArmTimer(_clock.NowMs64);
            }
        }
    }

    private void OnOutputReadable()
    {
        using (_lock.Enter())
        {
            _output.OnReadable(_driver.Now);
        }
    }
}
