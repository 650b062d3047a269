namespace Kcp.Transport.Sessions;

/// <summary>
/// When a silent session ends: after <see cref="KcpOptions.IdleTimeout"/> without a datagram (the shorter
/// <see cref="KcpSecurityOptions.UnvalidatedIdleTimeout"/> while the peer's address is unproven: a session that proved
/// nothing never outlives one that did), at a dead link once the peer is silent too, or, dialed, after
/// <see cref="KcpOptions.ConnectTimeout"/> without one valid datagram.
/// </summary>
internal readonly struct SessionTimeouts
{
    /// <summary>An idle session sleeps this long, or until its idle timeout; work that arrives pulls its deadline in.</summary>
    private const long IdleWakeMs = 5000;

    // kcp-go only marks a dead link; fast and early retransmits count too, so on a lossy but live link a segment can
    // reach the limit within a second. A dead link closes the session only once the peer has been this silent.
    private const long DeadLinkSilenceMs = 1000;

    private readonly long _idleMs;
    private readonly long _unvalidatedIdleMs;
    private readonly long _connectMs;

    public SessionTimeouts(KcpOptions options)
    {
        _idleMs = options.IdleTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)options.IdleTimeout.TotalMilliseconds;
        _unvalidatedIdleMs = (long)options.Security.UnvalidatedIdleTimeout.TotalMilliseconds;
        _connectMs = options.ConnectTimeout == Timeout.InfiniteTimeSpan ? -1 : (long)options.ConnectTimeout.TotalMilliseconds;
        if (_idleMs > 0)
        {
            _unvalidatedIdleMs = Math.Min(_unvalidatedIdleMs, _idleMs);
        }
    }

    /// <summary>True when nothing arrived for longer than the timeout that applies.</summary>
    public bool IsIdle(long nowMs, long lastReceiveMs, bool validated)
        => IdleMs(validated) is > 0 and long idle && nowMs - lastReceiveMs > idle;

    /// <summary>True when a dialed session's first datagram left longer than the connect timeout ago and nothing valid came back.</summary>
    public bool IsConnectLate(long nowMs, long firstSentMs, bool anyReceived)
        => !anyReceived && firstSentMs > 0 && _connectMs > 0 && nowMs - firstSentMs > _connectMs;

    /// <summary>True when the engine marked the link dead and the peer has been silent a while.</summary>
    public static bool IsDead(bool engineDeadLink, long nowMs, long lastReceiveMs)
        => engineDeadLink && nowMs - lastReceiveMs >= DeadLinkSilenceMs;

    /// <summary>
    /// When an idle session (nothing to send, acknowledge or probe) wakes: for the timeout that applies now. An
    /// unvalidated session's may be longer than IdleTimeout, and waking for the shorter one would ask for a deadline
    /// already past on every turn from then on.
    /// </summary>
    public long IdleWake(long nowMs, long lastReceiveMs, bool validated)
    {
        long sleep = nowMs + IdleWakeMs;
        return IdleMs(validated) is > 0 and long idle ? Math.Min(sleep, lastReceiveMs + idle + 1) : sleep;
    }

    private long IdleMs(bool validated) => validated ? _idleMs : _unvalidatedIdleMs;

    /// <summary>What a dialed session that heard nothing says: the likely causes, with our settings to compare.</summary>
    public static KcpSessionClosedException ConnectTimeoutError(KcpOptions options, IPEndPoint remote) => new(
        KcpCloseReason.ConnectTimeout,
        $"No valid datagram came from {remote} within {options.ConnectTimeout.TotalSeconds:0.###} s of the first one sent "
        + $"(KcpOptions.ConnectTimeout): nothing is listening there, the server refused new sessions (its admission limits under load "
        + "or a flood, or its MaxSessions; KCP cannot say so on the wire: its log and kcp.datagrams.dropped show it), or the server's "
        + $"settings differ from these: Crypt '{options.Crypt}', Key, DataShards {options.DataShards}, ParityShards {options.ParityShards}.");
}
