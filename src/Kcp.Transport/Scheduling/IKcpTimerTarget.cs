namespace Kcp.Transport.Scheduling;

/// <summary>Something the scheduler wakes at a deadline: a session whose next flush is due.</summary>
internal interface IKcpTimerTarget
{
    /// <summary>
    /// Storage the scheduler owns: the deadline of the target's live heap entry, <see cref="long.MaxValue"/> when it
    /// has none. Initialize it to <see cref="long.MaxValue"/>.
    /// </summary>
    ref long TimerDue { get; }

    /// <summary>Runs the due work and returns the next deadline (absolute, on the scheduler's <see cref="KcpClock"/>), or -1 to be forgotten.</summary>
    long OnTimer(long nowMs);
}
