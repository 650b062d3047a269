using System.Runtime.InteropServices;

namespace Kcp.Transport.Protocol;

/// <summary>
/// Cumulative per-engine counters, named after kcp-go's Snmp fields (kcp-wire.md §6). Plain fields: the engine is
/// owned by one loop, and readers copy the struct.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct KcpEngineCounters
{
    /// <summary>Segments parsed by successful Input calls (all commands).</summary>
    public long InSegs;

    /// <summary>Segments encoded by Flush (all commands).</summary>
    public long OutSegs;

    /// <summary>LostSegs + FastRetransSegs + EarlyRetransSegs.</summary>
    public long RetransSegs;

    /// <summary>Retransmissions because fastack reached the fast-resend threshold.</summary>
    public long FastRetransSegs;

    /// <summary>Retransmissions of a skipped-over segment on a flush that moved no new data.</summary>
    public long EarlyRetransSegs;

    /// <summary>Retransmissions after the segment's RTO expired.</summary>
    public long LostSegs;

    /// <summary>Copies of unacknowledged segments sent in spare datagram room (<see cref="KcpControlBlock.RedundantCopies"/>); not in OutSegs.</summary>
    public long CopySegs;

    /// <summary>PUSH segments in regular packets that were duplicates or outside the receive window.</summary>
    public long RepeatSegs;

    /// <summary>Input calls that failed (short, conv mismatch, truncated, bad command): kcp-go's KCPInErrors.</summary>
    public long InErrors;
}
