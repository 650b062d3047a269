namespace Kcp.Transport;

/// <summary>
/// Cumulative transport counters at one moment, one field per row of kcp-go's <c>Snmp</c> (what
/// <c>DefaultSnmp.Copy()</c> returns there). Session counters include closed sessions: a session's counts are added
/// to its listener's (or client's) totals when it closes. Get one from <see cref="KcpMetrics.GetSnapshot"/> (the whole
/// process) or <see cref="KcpListener.GetMetricsSnapshot"/> (one listener).
/// </summary>
public readonly record struct KcpMetricsSnapshot
{
    /// <summary>Payload bytes the applications wrote (kcp-go <c>BytesSent</c>).</summary>
    public long BytesSent { get; init; }

    /// <summary>Payload bytes delivered to the applications (<c>BytesReceived</c>).</summary>
    public long BytesReceived { get; init; }

    /// <summary>The most sessions that were open at once (<c>MaxConn</c>).</summary>
    public long MaxConnections { get; init; }

    /// <summary>Sessions dialed (<c>ActiveOpens</c>).</summary>
    public long ActiveOpens { get; init; }

    /// <summary>Sessions accepted by listeners (<c>PassiveOpens</c>).</summary>
    public long PassiveOpens { get; init; }

    /// <summary>Sessions open now (<c>CurrEstab</c>).</summary>
    public long CurrentEstablished { get; init; }

    /// <summary>Datagrams that could not be read or belong to no valid packet: receive errors, bad FEC headers, unexpected sources (<c>InErrs</c>).</summary>
    public long InErrors { get; init; }

    /// <summary>Datagrams whose CRC-32 failed after decryption: corruption or a wrong key (<c>InCsumErrors</c>).</summary>
    public long InChecksumErrors { get; init; }

    /// <summary>Packets the KCP input rejected as malformed (<c>KCPInErrors</c>).</summary>
    public long KcpInErrors { get; init; }

    /// <summary>UDP datagrams received (<c>InPkts</c>).</summary>
    public long InPackets { get; init; }

    /// <summary>UDP datagrams sent (<c>OutPkts</c>).</summary>
    public long OutPackets { get; init; }

    /// <summary>KCP segments received (<c>InSegs</c>).</summary>
    public long InSegments { get; init; }

    /// <summary>KCP segments sent (<c>OutSegs</c>).</summary>
    public long OutSegments { get; init; }

    /// <summary>UDP bytes received (<c>InBytes</c>).</summary>
    public long InBytes { get; init; }

    /// <summary>UDP bytes sent (<c>OutBytes</c>).</summary>
    public long OutBytes { get; init; }

    /// <summary>Segments retransmitted: lost + fast + early (<c>RetransSegs</c>).</summary>
    public long RetransmittedSegments { get; init; }

    /// <summary>Retransmissions triggered by fast resend (<c>FastRetransSegs</c>).</summary>
    public long FastRetransmittedSegments { get; init; }

    /// <summary>Early retransmissions (<c>EarlyRetransSegs</c>).</summary>
    public long EarlyRetransmittedSegments { get; init; }

    /// <summary>Retransmissions after a timeout, i.e. segments deemed lost (<c>LostSegs</c>).</summary>
    public long LostSegments { get; init; }

    /// <summary>Copies of unacknowledged segments sent in spare datagram room (<see cref="KcpOptions.RedundantCopies"/>; not in <see cref="OutSegments"/>).</summary>
    public long CopiedSegments { get; init; }

    /// <summary>Duplicate or out-of-window data segments received (<c>RepeatSegs</c>).</summary>
    public long RepeatSegments { get; init; }

    /// <summary>Packets rebuilt by FEC (<c>FECRecovered</c>).</summary>
    public long FecRecovered { get; init; }

    /// <summary>FEC groups that could not be decoded or rebuilt shards with an invalid size (<c>FECErrs</c>).</summary>
    public long FecErrors { get; init; }

    /// <summary>FEC parity shards received (<c>FECParityShards</c>).</summary>
    public long FecParityShards { get; init; }

    /// <summary>FEC groups given up before all their data was present (<c>FECShortShards</c>; kcp-go counts shards, we count groups).</summary>
    public long FecShortShards { get; init; }

    /// <summary>Received datagrams that were not used, for any reason (each reason is a tag of <c>kcp.datagrams.dropped</c>).</summary>
    public long DroppedDatagrams { get; init; }

    /// <summary>Datagrams that would have started a session but were refused: session limit, full backlog, listener not accepting.</summary>
    public long RefusedSessions { get; init; }

    /// <summary>Resets a listener sent: answers to datagrams of conversations it does not know (restarted server, closed session).</summary>
    public long ResetsSent { get; init; }

    /// <summary>Out-of-band datagrams sent (<see cref="KcpSession.TrySendDatagram"/>, kcp-go <c>SendOOB</c>).</summary>
    public long OobDatagramsSent { get; init; }

    /// <summary>Out-of-band datagrams received by sessions (kcp-go <c>OOBPackets</c>), queued for the application or dropped.</summary>
    public long OobDatagramsReceived { get; init; }

    /// <summary>Out-of-band datagrams dropped: received into a full queue (the oldest goes), or refused by an unvalidated peer's amplification budget.</summary>
    public long OobDatagramsDropped { get; init; }
    /// <summary>Unvalidated sessions a listener closed to admit others while new sessions were under pressure (README "Security").</summary>
    public long EvictedSessions { get; init; }

    /// <summary>Sessions a listener admitted on a retransmission after refusing the conversation's first datagram under pressure.</summary>
    public long RetriedAdmissions { get; init; }

    /// <summary>Times a listener's admission tightened: an address prefix, or every prefix, came under pressure.</summary>
    public long AdmissionTightened { get; init; }

    /// <summary>The sum of two snapshots (for totals over several listeners); the maxima are added too, so treat that sum as an upper bound.</summary>
    public static KcpMetricsSnapshot operator +(KcpMetricsSnapshot left, KcpMetricsSnapshot right) => new()
    {
        BytesSent = left.BytesSent + right.BytesSent,
        BytesReceived = left.BytesReceived + right.BytesReceived,
        MaxConnections = left.MaxConnections + right.MaxConnections,
        ActiveOpens = left.ActiveOpens + right.ActiveOpens,
        PassiveOpens = left.PassiveOpens + right.PassiveOpens,
        CurrentEstablished = left.CurrentEstablished + right.CurrentEstablished,
        InErrors = left.InErrors + right.InErrors,
        InChecksumErrors = left.InChecksumErrors + right.InChecksumErrors,
        KcpInErrors = left.KcpInErrors + right.KcpInErrors,
        InPackets = left.InPackets + right.InPackets,
        OutPackets = left.OutPackets + right.OutPackets,
        InSegments = left.InSegments + right.InSegments,
        OutSegments = left.OutSegments + right.OutSegments,
        InBytes = left.InBytes + right.InBytes,
        OutBytes = left.OutBytes + right.OutBytes,
        RetransmittedSegments = left.RetransmittedSegments + right.RetransmittedSegments,
        FastRetransmittedSegments = left.FastRetransmittedSegments + right.FastRetransmittedSegments,
        EarlyRetransmittedSegments = left.EarlyRetransmittedSegments + right.EarlyRetransmittedSegments,
        LostSegments = left.LostSegments + right.LostSegments,
        CopiedSegments = left.CopiedSegments + right.CopiedSegments,
        RepeatSegments = left.RepeatSegments + right.RepeatSegments,
        FecRecovered = left.FecRecovered + right.FecRecovered,
        FecErrors = left.FecErrors + right.FecErrors,
        FecParityShards = left.FecParityShards + right.FecParityShards,
        FecShortShards = left.FecShortShards + right.FecShortShards,
        DroppedDatagrams = left.DroppedDatagrams + right.DroppedDatagrams,
        RefusedSessions = left.RefusedSessions + right.RefusedSessions,
        ResetsSent = left.ResetsSent + right.ResetsSent,
        OobDatagramsSent = left.OobDatagramsSent + right.OobDatagramsSent,
        OobDatagramsReceived = left.OobDatagramsReceived + right.OobDatagramsReceived,
        OobDatagramsDropped = left.OobDatagramsDropped + right.OobDatagramsDropped,
        EvictedSessions = left.EvictedSessions + right.EvictedSessions,
        RetriedAdmissions = left.RetriedAdmissions + right.RetriedAdmissions,
        AdmissionTightened = left.AdmissionTightened + right.AdmissionTightened,
    };
}
