using System.IO.Pipelines;
using System.Net;
using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;
using Kcp.Transport.Scheduling;

namespace Kcp.Transport;

/// <summary>
/// One KCP conversation with one remote endpoint, exposed as a duplex pipe: <see cref="Input"/> yields the bytes the
/// peer sent, in order; bytes written to <see cref="Output"/> are delivered reliably. The session owns no thread,
/// timer or task: receive loops and the shared scheduler drive it, and the application's pipe calls push data in.
/// </summary>
public sealed partial class KcpSession : IDuplexPipe, IAsyncDisposable, IKcpOutputSink, IKcpTimerTarget, IFecRecoveredSink
{
    // Guards the engine, the FEC state and the pump flags. Never held while calling the owner or application code.
    private readonly Lock _gate = new();
    private readonly Lock _sendOrder = new();   // see SessionLockScope
    private readonly KcpControlBlock _engine;

    // ACKs for this many received segments (one datagram's worth) leave at once instead of waiting for the interval:
    // a fast sender's window keeps moving, for one small ACK datagram per that many segments at most.
    private readonly int _acksPerDatagram;
    private readonly KcpOptions _options;
    private readonly IKcpSessionOwner _owner;
    private readonly SocketAddress _remoteAddress;
    private readonly SessionProtection _protection;
    private readonly int _cryptTrailer;
    private readonly FecEncoder? _fecEncoder;
    private readonly FecDecoder? _fecDecoder;
    private readonly Pipe _inputPipe;   // engine -> application
    private readonly Pipe _outputPipe;  // application -> engine
    private readonly CancellationTokenSource _closedSource = new();
    private readonly long _idleTimeoutMs;
    private long _timerDue = long.MaxValue; // owned by the scheduler

    private KcpCloseReason _closeReason;
    private long _lastReceiveMs;
    private uint _now;                 // the time of the packet being processed, for FEC-recovered input
    private long _bytesSent;
    private long _bytesReceived;
    private long _fecRecovered;
    private long _fecParityShards;
    private long _checksumErrors;

    // Security (README "Security"): the engine's clock starts at a random offset so that an ACK echoing one of our
    // (sn, ts) pairs proves the peer receives at its address; until then we send at most N x what it sent.
    private readonly uint _clockOffset;
    private readonly long _amplificationFactor;
    private readonly long _unvalidatedIdleMs;
    private bool _addressValidated;
    private long _wireReceived;
    private long _wireSent;

    internal KcpSession(uint conv, KcpOptions options, IKcpSessionOwner owner, SocketAddress remoteAddress, PacketProtection protection, bool passive)
    {
        _options = options;
        _owner = owner;
        _remoteAddress = remoteAddress;
        _protection = protection.CreateSession();
        _cryptTrailer = protection.TrailerSize;
        IsPassive = passive;
        Conversation = conv;
        RemoteEndPoint = remoteAddress.ToIPEndPoint();
        LocalEndPoint = owner.Socket.LocalEndPoint;
        _idleTimeoutMs = options.IdleTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)options.IdleTimeout.TotalMilliseconds;

        Span<byte> offset = stackalloc byte[4];
        System.Security.Cryptography.RandomNumberGenerator.Fill(offset);
        _clockOffset = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(offset);
        KcpSecurityOptions security = options.Security;
        _addressValidated = !passive;   // we dialed the address ourselves
        _amplificationFactor = security.AmplificationFactor;
        // A session that proved nothing never outlives one that did.
        _unvalidatedIdleMs = (long)security.UnvalidatedIdleTimeout.TotalMilliseconds;
        if (_idleTimeoutMs > 0)
        {
            _unvalidatedIdleMs = Math.Min(_unvalidatedIdleMs, _idleTimeoutMs);
        }

        _engine = new KcpControlBlock(conv, this);
        _engine.SetMtu(options.Mtu - protection.TrailerSize);
        _engine.ReserveBytes(PacketLayout.HeaderSize(protection.HeaderSize, options));
        _engine.SetNoDelay(options.NoDelay, options.Interval, options.FastResend, options.NoCongestionWindow ? 1 : 0);
        _engine.SetWindowSize(options.SendWindow, options.ReceiveWindow);
        _engine.StreamMode = options.StreamMode;
        _engine.DeadLink = (uint)options.DeadLink;
        _acksPerDatagram = Math.Max(1, (_engine.Mtu - _engine.Reserved) / KcpControlBlock.Overhead);

        if (PacketLayout.FecEnabled(options))
        {
            _fecEncoder = new FecEncoder(options.DataShards, options.ParityShards, protection.HeaderSize);
            _fecDecoder = new FecDecoder(options.DataShards, options.ParityShards);
        }

        // The application never runs under _gate: its continuations go to the thread pool. Our own continuations
        // (output readable, input drained) run inline, so a write reaches the wire on the writer's thread as in kcp-go.
        _inputPipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.ThreadPool,
            writerScheduler: PipeScheduler.Inline,
            pool: KcpBlockPool.Instance,
            minimumSegmentSize: KcpBlockPool.BlockSize,
            pauseWriterThreshold: options.MaxReadBufferSize,
            resumeWriterThreshold: options.MaxReadBufferSize / 2,
            useSynchronizationContext: false));
        _outputPipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.ThreadPool,
            pool: KcpBlockPool.Instance,
            minimumSegmentSize: KcpBlockPool.BlockSize,
            pauseWriterThreshold: options.MaxWriteBufferSize,
            resumeWriterThreshold: options.MaxWriteBufferSize / 2,
            useSynchronizationContext: false));
        _onOutputReadable = OnOutputReadable;
        _onInputDrained = OnInputDrained;
    }

    /// <summary>The conversation id (conv) shared by both ends.</summary>
    public uint Conversation { get; }

    /// <summary>The peer's address.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The local socket's address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The peer's address in the form the socket reports it (the session table's key).</summary>
    internal SocketAddress RemoteAddress => _remoteAddress;

    /// <summary>True once the peer echoed one of our segments (always true for dialed sessions).</summary>
    internal bool IsAddressValidated => Volatile.Read(ref _addressValidated);

    /// <summary>The socket this session sends on (its own when dialed, the listener's when accepted).</summary>
    internal KcpUdpSocket Socket => _owner.Socket;

    /// <summary>Takes the session lock for work that may send; the datagrams leave after it is released, in order.</summary>
    private SessionLockScope Locked() => new(_gate, _sendOrder);

    /// <summary>The engine's clock: this process's milliseconds plus the session's random offset.</summary>
    private uint EngineNow => unchecked(KcpClock.NowMs + _clockOffset);

    private uint EngineTime(long nowMs) => unchecked((uint)nowMs + _clockOffset);

    /// <summary>True for sessions a listener accepted, false for dialed ones.</summary>
    public bool IsPassive { get; }

    /// <summary>Bytes received from the peer, in order.</summary>
    public PipeReader Input => _inputPipe.Reader;

    /// <summary>Bytes to deliver to the peer.</summary>
    public PipeWriter Output => _outputPipe.Writer;

    /// <summary>Cancelled (from the thread pool) when the session has closed.</summary>
    public CancellationToken Closed => _closedSource.Token;

    /// <summary>Why the session closed, or <see cref="KcpCloseReason.None"/> while it is open.</summary>
    public KcpCloseReason CloseReason
    {
        get
        {
            lock (_gate)
            {
                return _closeReason;
            }
        }
    }

    // How long a peer must have been silent before a dead link (DeadLink transmissions of one segment) closes the session.
    private const long DeadLinkSilenceMs = 1000;

    /// <summary>A snapshot of the ARQ state and counters.</summary>
    public KcpSessionStatistics GetStatistics()
    {
        lock (_gate)
        {
            // A closed session keeps the counters it had at close; its ARQ state is gone.
            bool open = _closeReason == KcpCloseReason.None;
            KcpSessionTotals totals = open ? CaptureTotals() : _finalTotals;
            var stats = new KcpSessionStatistics
            {
                BytesSent = totals.BytesSent,
                BytesReceived = totals.BytesReceived,
                InSegments = totals.InSegments,
                OutSegments = totals.OutSegments,
                RetransmittedSegments = totals.RetransmittedSegments,
                FastRetransmittedSegments = totals.FastRetransmittedSegments,
                EarlyRetransmittedSegments = totals.EarlyRetransmittedSegments,
                LostSegments = totals.LostSegments,
                RepeatSegments = totals.RepeatSegments,
                FecRecovered = totals.FecRecovered,
                FecParityShards = totals.FecParityShards,
                FecErrors = totals.FecErrors,
                FecShortShards = totals.FecShortShards,
                ChecksumErrors = _checksumErrors,
            };
            return !open ? stats : stats with
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
    internal void Start()
    {
        long now64 = KcpClock.NowMs64;
        using (Locked())
        {
            // Another receive loop may already have closed it (a takeover, the listener's disposal).
            if (_closeReason != KcpCloseReason.None)
            {
                return;
            }

            _lastReceiveMs = now64;
            uint wait = _engine.Flush(EngineTime(now64), ackOnly: false);
            PumpOutput(EngineTime(now64));
            KcpScheduler.Shared.Schedule(this, now64 + wait);
        }
    }

    ref long IKcpTimerTarget.TimerDue => ref _timerDue;

    /// <summary>
    /// An idle session (nothing to send, acknowledge or probe) sleeps this long, or until its idle timeout; work that
    /// arrives meanwhile pulls its deadline in (<see cref="ArmTimer"/>).
    /// </summary>
    private const long IdleWakeMs = 5000;

    /// <summary>Makes sure a session with work is flushed within one interval. Called under the lock after every change.</summary>
    private void ArmTimer(long nowMs)
    {
        if (!_engine.IsIdle)
        {
            KcpScheduler.Shared.Reschedule(this, nowMs + _options.Interval);
        }
    }

    long IKcpTimerTarget.OnTimer(long nowMs)
    {
        KcpCloseReason expired = KcpCloseReason.None;
        try
        {
            using (Locked())
            {
                if (_closeReason != KcpCloseReason.None)
                {
                    return -1;
                }

                long idleTimeoutMs = _addressValidated ? _idleTimeoutMs : _unvalidatedIdleMs;
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
                        SampleRtt(nowMs);
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
            KcpTransportLog.SessionFault(_owner.Logger, Conversation, e);
            expired = KcpCloseReason.Aborted;
        }

        Close(expired, new KcpSessionClosedException(expired));
        return -1;
    }
}
