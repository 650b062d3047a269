using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
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
internal sealed partial class Session : IPacketHandler, IKcpOutputSink, IKcpTimerTarget, IFecRecoveredSink, IDeferredReceiveWork, ISessionCounters
{
    /// <summary>An idle session sleeps this long, or until its idle timeout; work that arrives pulls its deadline in.</summary>
    private const long IdleWakeMs = 5000;

    // How long a peer must have been silent before a dead link (DeadLink transmissions of one segment) closes the session.
    private const long DeadLinkSilenceMs = 1000;

    private readonly SessionContext _context;
    private readonly IPacketHandlerOwner _owner;
    private readonly SessionLock _lock;
    private readonly KcpControlBlock _engine;
    private readonly SessionProtection _protection;
    private readonly FecChannel _fec;
    private readonly AmplificationGuard _guard;
    private readonly InputPump _input;
    private readonly OutputPump _output;
    private readonly SessionCounters _counters = new();
    private readonly CancellationTokenSource _closedSource = new();

    // Security (README "Security"): the engine's clock starts at a random offset, so that an ACK echoing one of our
    // (sn, ts) pairs proves that the peer receives at its address.
    private readonly uint _clockOffset;

    // ACKs for this many received segments (one datagram's worth) leave at once instead of waiting for the interval:
    // a fast sender's window keeps moving, for one small ACK datagram per that many segments at most.
    private readonly int _acksPerDatagram;
    private readonly long _idleTimeoutMs;
    private readonly long _unvalidatedIdleMs;
    private long _timerDue = long.MaxValue; // owned by the scheduler
    private KcpCloseReason _closeReason;
    private long _lastReceiveMs;
    private uint _now;                      // the time of the packet being processed, for FEC-recovered input

    public Session(uint conv, SocketAddress remoteAddress, bool passive, SessionContext context, IPacketHandlerOwner owner)
    {
        KcpOptions options = context.Options;
        _context = context;
        _owner = owner;
        _lock = new SessionLock(context.SendBatches);
        Conversation = conv;
        RemoteAddress = remoteAddress;
        RemoteEndPoint = remoteAddress.ToIPEndPoint();
        IsPassive = passive;
        _clockOffset = BinaryPrimitives.ReadUInt32LittleEndian(RandomNumberGenerator.GetBytes(4));
        _idleTimeoutMs = options.IdleTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)options.IdleTimeout.TotalMilliseconds;

        // A session that proved nothing never outlives one that did.
        _unvalidatedIdleMs = (long)options.Security.UnvalidatedIdleTimeout.TotalMilliseconds;
        if (_idleTimeoutMs > 0)
        {
            _unvalidatedIdleMs = Math.Min(_unvalidatedIdleMs, _idleTimeoutMs);
        }

        _guard = new AmplificationGuard(validated: !passive, options.Security.AmplificationFactor, KcpClock.NowMs64);
        _protection = context.Protection.CreateSession();
        _engine = new KcpControlBlock(conv, this);
        _engine.SetMtu(options.Mtu - context.Protection.TrailerSize);
        _engine.ReserveBytes(context.HeaderRoom);
        _engine.SetNoDelay(options.NoDelay, options.Interval, options.FastResend, options.NoCongestionWindow ? 1 : 0);
        _engine.SetWindowSize(options.SendWindow, options.ReceiveWindow);
        _engine.StreamMode = options.StreamMode;
        _engine.DeadLink = (uint)options.DeadLink;
        _acksPerDatagram = Math.Max(1, (_engine.Mtu - _engine.Reserved) / KcpControlBlock.Overhead);
        _fec = new FecChannel(options.DataShards, options.ParityShards, context.Protection.HeaderSize);
        _input = new InputPump(_engine, _counters, context.InputPipe, OnInputDrained, this);
        _output = new OutputPump(this, _engine, _counters, context.OutputPipe, OnOutputReadable);
    }

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

    /// <summary>True once the peer echoed one of our segments (always true for dialed sessions).</summary>
    public bool IsAddressValidated => _guard.IsValidated;

    /// <summary>True while the session is open (read under the lock).</summary>
    internal bool IsOpen => _closeReason == KcpCloseReason.None;

    ref long IKcpTimerTarget.TimerDue => ref _timerDue;

    long ISessionCounters.OpenedTimestamp => _counters.OpenedTimestamp;

    private uint EngineNow => EngineTime(KcpClock.NowMs64);

    private uint EngineTime(long nowMs) => unchecked((uint)nowMs + _clockOffset);

    /// <summary>A snapshot of the ARQ state and counters; a closed session keeps the counters it had at close.</summary>
    public KcpSessionStatistics GetStatistics()
    {
        lock (_lock.Gate)
        {
            var stats = new KcpSessionStatistics { Counters = _counters.Read(_engine, _fec.DecoderCounters) };
            return !IsOpen ? stats : stats with
            {
                SmoothedRtt = _engine.SmoothedRtt,
                RttVariance = _engine.RttVariance,
                RetransmissionTimeout = _engine.RetransmissionTimeout,
                SendWindow = _engine.SendWindow,
                ReceiveWindow = _engine.ReceiveWindow,
                RemoteWindow = _engine.RemoteWindow,
                CongestionWindow = _engine.CongestionWindow,
                InFlight = _engine.WaitSnd,
            };
        }
    }

    /// <summary>Runs the first flush, arms the scheduler and starts taking application writes.</summary>
    public void Start()
    {
        long now64 = KcpClock.NowMs64;
        using (_lock.Enter())
        {
            // Another receive loop may already have closed it (a takeover, the listener's disposal).
            if (!IsOpen)
            {
                return;
            }

            _lastReceiveMs = now64;
            uint wait = _engine.Flush(EngineTime(now64), ackOnly: false);
            _output.Pump(EngineTime(now64));
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
        long now64 = KcpClock.NowMs64;
        uint now = EngineTime(now64);
        bool newlyValidated = false;
        using (_lock.Enter())
        {
            if (!IsOpen || !Accept(packet.Datagram, now64))
            {
                return;
            }

            _guard.OnReceived(packet.WireLength);
            _lastReceiveMs = now64;
            _now = now;
            if (!packet.IsFec)
            {
                InputKcp(packet.Kcp, regular: true);
            }
            else
            {
                // Data shards reach KCP at once; the decoder only adds what it rebuilds (upstream kcp-go order).
                if (packet.Fec.IsData)
                {
                    InputKcp(packet.Kcp, regular: true);
                }
                else
                {
                    _counters.FecParityShards++;
                }

                Session sink = this;
                _fec.Decode(packet, now, ref sink);
            }

            if (_engine.PendingAcks >= _acksPerDatagram)
            {
                _engine.Flush(now, ackOnly: true);
            }

            if (_engine.PeerEchoed)
            {
                newlyValidated = _guard.Validate();
            }

            _input.Turn = turn;
            try
            {
                AfterInput(now);
            }
            finally
            {
                _input.Turn = null;
            }

            if (!_input.RemoteClosed)
            {
                if (newlyValidated)
                {
                    _owner.OnValidated(this);
                }

                return;
            }

            // The peer closed after all its data was acknowledged: hand the rest to the application, then end.
            _input.Unpause();
            _input.Pump();
        }

        Close(KcpCloseReason.RemoteClose, error: null);
    }

    /// <inheritdoc/>
    public void OnForged()
    {
        lock (_lock.Gate)
        {
            _counters.ChecksumErrors++;
        }
    }

    void IFecRecoveredSink.OnRecovered(ReadOnlySpan<byte> kcpPart)
    {
        _counters.FecRecovered++;
        InputKcp(kcpPart, regular: false);
    }

    void IKcpOutputSink.Output(Span<byte> datagram) => _fec.Send(datagram, this);

    /// <summary>
    /// Seals one datagram and queues it in the batch the lock holder collects (sent after the lock is released), unless
    /// the amplification budget of an unvalidated address forbids it.
    /// </summary>
    internal void Transmit(Span<byte> datagram)
    {
        if (!_guard.MaySend(datagram.Length + _context.Protection.TrailerSize, KcpClock.NowMs64))
        {
            _context.Counters.OnDropped(PacketDropReason.AmplificationLimit);
            return;
        }

        ReadOnlySpan<byte> wire = _protection.Seal(datagram);
        _guard.OnSent(wire.Length);
        if (_lock.Batch is { } batch)
        {
            batch.Add(_context.Socket, wire, RemoteAddress);
        }
        else
        {
            _context.Socket.Send(wire, RemoteAddress);
        }
    }

    /// <summary>Application bytes KCP may take now (the amplification budget of an unvalidated address).</summary>
    internal long SendAllowance()
        => _guard.Allowance(
            anyInFlight: _engine.WaitSnd > 0,
            headerBytes: _engine.Reserved + ((_engine.PendingAcks + 1L) * KcpControlBlock.Overhead) + _context.Protection.TrailerSize,
            _engine.Mss);

    /// <summary>After the output pump ran: completes a pending close and makes sure work is flushed within an interval.</summary>
    internal void AfterOutput()
    {
        CheckDrained();
        ArmTimer(KcpClock.NowMs64);
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

                long idleTimeoutMs = _guard.IsValidated ? _idleTimeoutMs : _unvalidatedIdleMs;
                if (idleTimeoutMs > 0 && nowMs - _lastReceiveMs > idleTimeoutMs)
                {
                    expired = KcpCloseReason.IdleTimeout;
                }
                else
                {
                    uint wait = _engine.Flush(EngineTime(nowMs), ackOnly: false);

                    // kcp-go only marks a dead link; fast and early retransmits count too, so on a lossy but live
                    // link a segment can reach the limit within a second. Close only if the peer is also silent.
                    if (_engine.IsDeadLink && nowMs - _lastReceiveMs >= DeadLinkSilenceMs)
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
                        // Nothing to do until something arrives or is written: those call ArmTimer. Wake for the
                        // timeout that applies now: an unvalidated session's may be longer than IdleTimeout, and waking
                        // for the shorter one would ask for a deadline already past on every turn from then on.
                        long sleep = nowMs + IdleWakeMs;
                        return idleTimeoutMs > 0 ? Math.Min(sleep, _lastReceiveMs + idleTimeoutMs + 1) : sleep;
                    }
                }
            }
        }
        catch (Exception e)
        {
            KcpTransportLog.SessionFault(_context.Logger, Conversation, e);
            expired = KcpCloseReason.Aborted;
        }

        Close(expired, new KcpSessionClosedException(expired));
        return -1;
    }

    /// <summary>Replay and reflection checks of the session's protection (aes-128-gcm); counted and dropped on failure.</summary>
    private bool Accept(ReadOnlySpan<byte> datagram, long nowMs)
    {
        PacketVerdict verdict = _protection.Accept(datagram, nowMs);
        if (verdict == PacketVerdict.Accepted)
        {
            return true;
        }

        _context.Counters.OnDropped(verdict == PacketVerdict.Replayed ? PacketDropReason.Replayed : PacketDropReason.Reflected);
        return false;
    }

    private void InputKcp(ReadOnlySpan<byte> kcp, bool regular)
    {
        if (KcpCloseNotice.Is(kcp, Conversation))
        {
            _input.RemoteClosed = true;
            return;
        }

        if (_engine.Input(kcp, regular, _context.Options.AckNoDelay, _now) < 0)
        {
            _context.Counters.OnDropped(PacketDropReason.Malformed);
        }
    }

    private void AfterInput(uint now)
    {
        _input.Pump();
        _output.Unblock(now);
        CheckDrained();
        ArmTimer(KcpClock.NowMs64);
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
                ArmTimer(KcpClock.NowMs64);
            }
        }
    }

    private void OnOutputReadable()
    {
        using (_lock.Enter())
        {
            _output.OnReadable(EngineNow);
        }
    }
}
