namespace Kcp.Transport.Diagnostics;

/// <summary>
/// A session as its owner's <see cref="KcpCounters"/> sees it: the per-session rows of kcp-go's Snmp, which stay in the
/// session while it is open and are added to the owner's totals exactly once when it closes.
/// </summary>
internal interface ISessionCounters
{
    /// <summary>When the session was created (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the duration histogram.</summary>
    long OpenedTimestamp { get; }

    /// <summary>Adds the final counts to <paramref name="closed"/> once; later snapshots skip this session.</summary>
    void FoldInto(ref KcpMetricsSnapshot closed);

    /// <summary>Adds the session's counts to <paramref name="totals"/> unless they were already folded into its owner's.</summary>
    void AddLiveTo(ref KcpMetricsSnapshot totals);
}
