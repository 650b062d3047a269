namespace Kcp.Transport;

/// <summary>A consistent snapshot of one session's ARQ state and counters.</summary>
public readonly record struct KcpSessionStatistics
{
    /// <summary>Smoothed round-trip time in milliseconds.</summary>
    public int SmoothedRtt { get; init; }

    /// <summary>Round-trip time variance in milliseconds.</summary>
    public int RttVariance { get; init; }

    /// <summary>Current retransmission timeout in milliseconds.</summary>
    public int RetransmissionTimeout { get; init; }

    /// <summary>Local send window in segments.</summary>
    public int SendWindow { get; init; }

    /// <summary>Local receive window in segments.</summary>
    public int ReceiveWindow { get; init; }

    /// <summary>Receive window last advertised by the peer.</summary>
    public int RemoteWindow { get; init; }

    /// <summary>Congestion window in segments (meaningful when the congestion window is on).</summary>
    public int CongestionWindow { get; init; }

    /// <summary>Segments queued or in flight, not yet acknowledged.</summary>
    public int InFlight { get; init; }

    /// <summary>
    /// What the session counted, as the same rows a listener reports (kcp-go's Snmp): payload bytes, segments,
    /// retransmissions, FEC, and datagrams of this session that failed their checksum (<see cref="KcpMetricsSnapshot.InChecksumErrors"/>).
    /// Rows that belong to a socket rather than a session (datagrams, opens, drops) are zero.
    /// </summary>
    public KcpMetricsSnapshot Counters { get; init; }
}
