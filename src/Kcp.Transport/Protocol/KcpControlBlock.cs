namespace Kcp.Transport.Protocol;

/// <summary>
/// The KCP ARQ engine, behaving like kcp-go 5.6.1's kcp.go (kcp-wire.md §2). It is pure: no socket, clock, lock or
/// logger. Time comes in as a 32-bit millisecond value and output leaves through <see cref="IKcpOutputSink"/>. One
/// loop owns an instance; it is not thread-safe.
/// </summary>
internal sealed partial class KcpControlBlock : IDisposable
{
    /// <summary>Size of a segment header.</summary>
    public const int Overhead = KcpSegmentHeader.Size;

    // Slots a flush looks at, newest first, for RedundantCopies: bounds the work when a bulk flush sent many.
    private const int MaxCopyScan = 64;

    private readonly IKcpOutputSink _output;
    private readonly KcpSegmentPool _pool = new();
    private readonly KcpSegmentQueue _sendQueue = new();
    private readonly KcpSendBuffer _sendBuffer = new();
    private readonly KcpSegmentQueue _receiveQueue = new();
    private readonly KcpSegmentQueue _receiveBuffer = new();
    private readonly KcpAckList _ackList = new();
    private readonly KcpRttEstimator _rtt = new();

    // Datagram under construction: [0, Reserved) head-room, then segments, at most Mtu bytes in total.
    private byte[] _buffer;
    private byte[] _controls = new byte[Overhead * 8];   // ACKs and probes of a flush, written after its data

    private uint _sendUna;
    private uint _sendNext;
    private uint _receiveNext;
    private uint _sendWindow = KcpConstants.SendWindowDefault;
    private uint _receiveWindow = KcpConstants.ReceiveWindowDefault;
    private uint _remoteWindow = KcpConstants.ReceiveWindowDefault;
    private uint _cwnd;
    private uint _incr;
    private uint _ssthresh = KcpConstants.ThreshInit;
    private uint _probe;
    private uint _probeAt;
    private uint _probeWait;
    private uint _interval = KcpConstants.IntervalDefault;
    private uint _noDelay;
    private int _fastResend;
    private int _noCongestionWindow;
    private bool _deadLink;
    private bool _disposed;
    private KcpEngineCounters _counters;

    /// <summary>Creates an engine for conversation <paramref name="conv"/> writing datagrams to <paramref name="output"/>.</summary>
    public KcpControlBlock(uint conv, IKcpOutputSink output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Conv = conv;
        _output = output;
        Mtu = KcpConstants.MtuDefault;
        Mss = Mtu - Overhead;
        _buffer = new byte[Mtu];
    }

    /// <summary>Conversation id; segments with another conv are rejected.</summary>
    public uint Conv { get; }

    /// <summary>Largest datagram produced, head-room included (as kcp-go 5.6.1).</summary>
    public int Mtu { get; private set; }

    /// <summary>Largest data payload of one segment: Mtu - 24 - Reserved.</summary>
    public int Mss { get; private set; }

    /// <summary>Head-room left at the start of every datagram for FEC/crypto headers.</summary>
    public int Reserved { get; private set; }

    /// <summary>Stream mode: small writes are coalesced and every segment has frg 0; message mode keeps boundaries.</summary>
    public bool StreamMode { get; set; }

    /// <summary>Flush interval in ms.</summary>
    public int Interval => (int)_interval;

    /// <summary>Send window in segments.</summary>
    public int SendWindow => (int)_sendWindow;

    /// <summary>Receive window in segments.</summary>
    public int ReceiveWindow => (int)_receiveWindow;

    /// <summary>The peer's last advertised free receive window (regular packets only).</summary>
    public int RemoteWindow => (int)_remoteWindow;

    /// <summary>Congestion window in segments (only used when congestion control is on).</summary>
    public int CongestionWindow => unchecked((int)_cwnd);

    /// <summary>Segments not yet acknowledged: snd_buf plus snd_queue.</summary>
    public int WaitSnd => _sendBuffer.Count + _sendQueue.Count;

    /// <summary>ACKs waiting for the next flush.</summary>
    public int PendingAcks => _ackList.Count;

    /// <summary>Nothing to send, retransmit, acknowledge or probe: flushing now would emit nothing.</summary>
    public bool IsIdle => _sendQueue.Count == 0 && _sendBuffer.Count == 0 && _ackList.Count == 0 && _probe == 0 && _remoteWindow != 0;

    /// <summary>Segments ready for the application; ReceiveWindow minus this is the advertised window.</summary>
    public int ReceiveQueueCount => _receiveQueue.Count;

    /// <summary>True once some segment reached <see cref="DeadLink"/> transmissions; never cleared (as kcp-go).</summary>
    public bool IsDeadLink => _deadLink;

    /// <summary>Transmissions of one segment that mark the link dead.</summary>
    public uint DeadLink { get; set; } = KcpConstants.DeadLinkDefault;

    /// <summary>
    /// Copies of each segment that later data datagrams carry while it is unacknowledged, in room they leave spare (0, the
    /// default, as kcp-go: none). Never adds a datagram; the peer drops the copies it does not need, as duplicates.
    /// </summary>
    public int RedundantCopies { get; set; }

    /// <summary>Smoothed RTT in ms.</summary>
    public int SmoothedRtt => _rtt.SmoothedRtt;

    /// <summary>RTT variance in ms.</summary>
    public int RttVariance => _rtt.Variance;

    /// <summary>Current retransmission timeout in ms.</summary>
    public int RetransmissionTimeout => (int)_rtt.Rto;

    /// <summary>Cumulative counters.</summary>
    public ref readonly KcpEngineCounters Counters => ref _counters;

    /// <summary>Sets the MTU (head-room included); false if outside [50, 1500] or no data byte would fit.</summary>
    public bool SetMtu(int mtu)
    {
        if (mtu < KcpConstants.MtuMin || mtu > KcpConstants.MtuMax || mtu - Overhead - Reserved < 1)
        {
            return false;
        }

        if (mtu != _buffer.Length)
        {
            _buffer = new byte[mtu];
        }

        Mtu = mtu;
        Mss = mtu - Overhead - Reserved;
        return true;
    }

    /// <summary>Reserves <paramref name="n"/> bytes of head-room per datagram; false if no data byte would fit.</summary>
    public bool ReserveBytes(int n)
    {
        if (n < 0 || n >= Mtu - Overhead)
        {
            return false;
        }

        Reserved = n;
        Mss = Mtu - Overhead - n;
        return true;
    }

    /// <summary>
    /// kcp-go's NoDelay: each argument below 0 leaves the setting unchanged. nodelay != 0 lowers the minimum RTO to 30
    /// and halves the back-off step; interval is clamped to [10, 5000]; resend is the fast-resend threshold (0 = off);
    /// nc != 0 turns congestion control off.
    /// </summary>
    public void SetNoDelay(int nodelay, int interval, int resend, int nc)
    {
        if (nodelay >= 0)
        {
            _noDelay = (uint)nodelay;
            _rtt.MinRto = nodelay != 0 ? KcpConstants.RtoNoDelayMin : KcpConstants.RtoNormalMin;
        }

        if (interval >= 0)
        {
            _interval = (uint)Math.Clamp(interval, KcpConstants.IntervalMin, KcpConstants.IntervalMax);
        }

        if (resend >= 0)
        {
            _fastResend = resend;
        }

        if (nc >= 0)
        {
            _noCongestionWindow = nc;
        }
    }

    /// <summary>Sets the send and receive windows in segments; each is applied only if positive (no clamping, as kcp-go).</summary>
    public void SetWindowSize(int sndWnd, int rcvWnd)
    {
        if (sndWnd > 0)
        {
            _sendWindow = (uint)sndWnd;
        }

        if (rcvWnd > 0)
        {
            _receiveWindow = (uint)rcvWnd;
        }
    }

    /// <summary>
    /// Test seam: starts both directions at <paramref name="sn"/> instead of 0 so wrap-around of sequence numbers can
    /// be exercised. Only valid before any traffic; real peers always start at 0.
    /// </summary>
    internal void SetInitialSequenceNumber(uint sn)
    {
        _sendUna = sn;
        _sendNext = sn;
        _receiveNext = sn;
    }

    /// <summary>Returns every pooled buffer; idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ReleaseAll(_sendQueue);
        while (_sendBuffer.Count > 0)
        {
            _pool.Return(_sendBuffer.PopFront());
        }

        ReleaseAll(_receiveQueue);
        ReleaseAll(_receiveBuffer);
        _ackList.Clear();
        _pool.Clear();
    }

    private void ReleaseAll(KcpSegmentQueue queue)
    {
        while (queue.Count > 0)
        {
            _pool.Return(queue.PopFront());
        }
    }

    // kcp-wire.md §2.1: wnd is the free space of rcv_queue; out-of-order segments in rcv_buf do not count.
    private ushort UnusedWindow() =>
        _receiveQueue.Count < _receiveWindow ? unchecked((ushort)(_receiveWindow - (uint)_receiveQueue.Count)) : (ushort)0;
}
