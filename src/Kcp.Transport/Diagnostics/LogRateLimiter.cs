namespace Kcp.Transport.Diagnostics;

/// <summary>Lets one warning through per interval, so a flood of bad datagrams cannot flood the log.</summary>
internal sealed class LogRateLimiter(long intervalMs)
{
    private long _nextAllowedMs = long.MinValue;

    public bool TryAcquire()
    {
        long now = Environment.TickCount64;
        long next = Volatile.Read(ref _nextAllowedMs);
        return now >= next && Interlocked.CompareExchange(ref _nextAllowedMs, now + intervalMs, next) == next;
    }
}
