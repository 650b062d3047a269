using System.Globalization;

namespace Kcp.AspNetCore.Internal;

/// <summary>Connection ids: unique per process, cheap, and recognisable as KCP in logs.</summary>
internal static class KcpConnectionId
{
    // Seeded from the clock so ids of consecutive runs of a process differ, as Kestrel's correlation ids do.
    private static long s_last = DateTime.UtcNow.Ticks;

    public static string Next() => "kcp-" + Interlocked.Increment(ref s_last).ToString("x", CultureInfo.InvariantCulture);
}
