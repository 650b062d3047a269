namespace Kcp.Transport.Scheduling;

/// <summary>Something the scheduler wakes at a deadline: a session whose next flush is due.</summary>
internal interface IKcpTimerTarget
{
    /// <summary>Runs the due work and returns the next deadline (absolute, <see cref="KcpClock.NowMs64"/>), or -1 to be forgotten.</summary>
    long OnTimer(long nowMs);
}
