namespace Kcp.Transport.Sessions;

/// <summary>
/// Anti-amplification (QUIC §8, README "Security"): until the peer proved that it receives at its address (an ACK that
/// echoes one of our segments), a passive session sends at most N × the bytes it received. A dialed session starts
/// validated: we chose the address ourselves. Not thread-safe: the session's lock serializes it.
/// </summary>
internal sealed class AmplificationGuard
{
    /// <summary>
    /// When an unvalidated session may send one datagram beyond its budget: 200 ms after it opened (the engine's first
    /// retransmission of an unmeasured path), then at doubling intervals up to 2 s.
    /// </summary>
    internal const long FirstProbeMs = 200;
    internal const long MaxProbeIntervalMs = 2000;

    private readonly long _factor;
    private bool _validated;
    private long _received;
    private long _sent;
    private long _nextProbeMs;
    private long _probeIntervalMs = FirstProbeMs;

    public AmplificationGuard(bool validated, int factor, long nowMs)
    {
        _validated = validated;
        _factor = factor;
        _nextProbeMs = nowMs + FirstProbeMs;
    }

    /// <summary>True once the peer proved its address (read from other threads).</summary>
    public bool IsValidated => Volatile.Read(ref _validated);

    /// <summary>Marks the address validated; true only the first time.</summary>
    public bool Validate()
    {
        if (_validated)
        {
            return false;
        }

        Volatile.Write(ref _validated, true);
        return true;
    }

    /// <summary>Counts a received datagram into the budget.</summary>
    public void OnReceived(int wireBytes)
    {
        if (!_validated)
        {
            _received += wireBytes;
        }
    }

    /// <summary>
    /// Application bytes KCP may take now. Unlimited once validated; before, one datagram at a time that fits the
    /// budget, so that a peer that sent a small request gets a small first segment whose ACK validates it (one extra
    /// round trip, as QUIC), while a spoofed address gets almost nothing. <paramref name="headerBytes"/> is what the
    /// datagram carries besides the data: the engine's head-room, its pending ACKs (they leave in the same datagram;
    /// without them the first answer overshot the budget and waited for the first probe), a segment header and the
    /// protection trailer.
    /// </summary>
    public long Allowance(bool anyInFlight, long headerBytes, int mss)
    {
        if (_validated || _factor == 0)
        {
            return long.MaxValue;
        }

        if (anyInFlight)
        {
            return 0;
        }

        long left = (_factor * _received) - _sent;
        return Math.Min(left - headerBytes, mss);
    }

    /// <summary>
    /// Whether a datagram of <paramref name="wireBytes"/> may leave now. Over the budget, probe datagrams still go out
    /// with backoff: a real peer whose request was acknowledged sends nothing more until our answer arrives, so if that
    /// answer is lost the budget would never refill (QUIC's client probes play this part; a KCP client has none).
    /// Starting at a retransmission timeout instead of a fixed second keeps one lost answer from costing a request
    /// over a lossy link a second; doubling keeps a spoofed address to few probes (see <see cref="MaxProbes"/>) until its
    /// unvalidated session is reaped.
    /// </summary>
    public bool MaySend(int wireBytes, long nowMs)
    {
        if (_validated || _factor == 0 || _sent + wireBytes <= _factor * _received)
        {
            return true;
        }

        if (nowMs < _nextProbeMs)
        {
            return false;
        }

        _nextProbeMs = nowMs + _probeIntervalMs;
        _probeIntervalMs = Math.Min(_probeIntervalMs * 2, MaxProbeIntervalMs);
        return true;
    }

    /// <summary>
    /// Whether an out-of-band datagram of <paramref name="wireBytes"/> fits the budget now and still leaves
    /// <paramref name="reserve"/> bytes of it to the stream. Only the stream validates the address (an ACK of one of its
    /// segments), so datagrams must never use up what its first answer needs, nor take the probes that let a lost answer
    /// through (a 20 Hz stream of datagrams would take every one).
    /// </summary>
    public bool FitsBudget(int wireBytes, int reserve)
        => _validated || _factor == 0 || _sent + wireBytes + reserve <= _factor * _received;

    /// <summary>Counts a datagram that left into the budget.</summary>
    public void OnSent(int wireBytes)
    {
        if (!_validated)
        {
            _sent += wireBytes;
        }
    }

    /// <summary>The most probe datagrams an unvalidated session sends beyond its budget within <paramref name="elapsedMs"/> of opening.</summary>
    internal static long MaxProbes(long elapsedMs)
    {
        long probes = 0;
        long at = FirstProbeMs;
        long interval = FirstProbeMs;
        while (at <= elapsedMs)
        {
            probes++;
            at += interval;
            interval = Math.Min(interval * 2, MaxProbeIntervalMs);
        }

        return probes;
    }
}
