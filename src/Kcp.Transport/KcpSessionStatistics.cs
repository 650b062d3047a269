namespace Kcp.Transport;

/// <summary>A consistent snapshot of one session's ARQ state and counters.</summary>
/// <param name="SmoothedRtt">Smoothed round-trip time in milliseconds.</param>
/// <param name="RttVariance">Round-trip time variance in milliseconds.</param>
/// <param name="RetransmissionTimeout">Current retransmission timeout in milliseconds.</param>
/// <param name="SendWindow">Local send window in segments.</param>
/// <param name="ReceiveWindow">Local receive window in segments.</param>
/// <param name="RemoteWindow">Receive window last advertised by the peer.</param>
/// <param name="CongestionWindow">Congestion window in segments (meaningful when the congestion window is on).</param>
/// <param name="InFlight">Segments queued or in flight, not yet acknowledged.</param>
/// <param name="Counters">
/// What the session counted, as the same rows a listener reports (kcp-go's Snmp): payload bytes, segments,
/// retransmissions, FEC, and datagrams of this session that failed their checksum
/// (<see cref="KcpMetricsSnapshot.InChecksumErrors"/>). Rows that belong to a socket rather than a session (datagrams,
/// opens, drops) are zero.
/// </param>
public readonly record struct KcpSessionStatistics(
    int SmoothedRtt,
    int RttVariance,
    int RetransmissionTimeout,
    int SendWindow,
    int ReceiveWindow,
    int RemoteWindow,
    int CongestionWindow,
    int InFlight,
    KcpMetricsSnapshot Counters);
