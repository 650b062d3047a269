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

    /// <summary>KCP segments received.</summary>
    public long InSegments { get; init; }

    /// <summary>KCP segments sent.</summary>
    public long OutSegments { get; init; }

    /// <summary>Segments retransmitted (lost + fast + early).</summary>
    public long RetransmittedSegments { get; init; }

    /// <summary>Retransmissions because of fast resend.</summary>
    public long FastRetransmittedSegments { get; init; }

    /// <summary>Early retransmissions.</summary>
    public long EarlyRetransmittedSegments { get; init; }

    /// <summary>Retransmissions after a timeout.</summary>
    public long LostSegments { get; init; }

    /// <summary>Duplicate or out-of-window data segments received.</summary>
    public long RepeatSegments { get; init; }

    /// <summary>Packets rebuilt by FEC.</summary>
    public long FecRecovered { get; init; }

    /// <summary>FEC parity shards received.</summary>
    public long FecParityShards { get; init; }

    /// <summary>FEC groups that could not be decoded (kcp-go FECErrs).</summary>
    public long FecErrors { get; init; }

    /// <summary>FEC groups given up before all their data was present (kcp-go FECShortShards, counted per group).</summary>
    public long FecShortShards { get; init; }

    /// <summary>Datagrams dropped because the checksum after decryption failed.</summary>
    public long ChecksumErrors { get; init; }

    /// <summary>Payload bytes the application wrote.</summary>
    public long BytesSent { get; init; }

    /// <summary>Payload bytes delivered to the application.</summary>
    public long BytesReceived { get; init; }
}
