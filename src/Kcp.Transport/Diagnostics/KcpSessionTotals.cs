using System.Runtime.InteropServices;

namespace Kcp.Transport.Diagnostics;

/// <summary>
/// The per-session rows of kcp-go's Snmp (kcp-wire.md §6): what a session's engine, FEC decoder and pipes counted.
/// Read under the session's lock; added into its owner's totals once, when the session closes.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct KcpSessionTotals
{
    public long BytesSent;
    public long BytesReceived;
    public long InSegments;
    public long OutSegments;
    public long RetransmittedSegments;
    public long FastRetransmittedSegments;
    public long EarlyRetransmittedSegments;
    public long LostSegments;
    public long RepeatSegments;
    public long FecRecovered;
    public long FecErrors;
    public long FecParityShards;
    public long FecShortShards;

    public void Add(in KcpSessionTotals other)
    {
        BytesSent += other.BytesSent;
        BytesReceived += other.BytesReceived;
        InSegments += other.InSegments;
        OutSegments += other.OutSegments;
        RetransmittedSegments += other.RetransmittedSegments;
        FastRetransmittedSegments += other.FastRetransmittedSegments;
        EarlyRetransmittedSegments += other.EarlyRetransmittedSegments;
        LostSegments += other.LostSegments;
        RepeatSegments += other.RepeatSegments;
        FecRecovered += other.FecRecovered;
        FecErrors += other.FecErrors;
        FecParityShards += other.FecParityShards;
        FecShortShards += other.FecShortShards;
    }
}
