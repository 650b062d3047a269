namespace ChatHubSample.Stats;

/// <summary>Transport health over one sampling interval, summed over the open KCP sessions (the page's chart point).</summary>
/// <param name="Time">When the sample was taken (Unix milliseconds).</param>
/// <param name="ActiveSessions">KCP sessions open.</param>
/// <param name="AverageRttMs">Mean smoothed RTT of the open sessions (0 without sessions).</param>
/// <param name="MaxRttMs">Largest smoothed RTT of the open sessions.</param>
/// <param name="RetransmittedSegments">Retransmissions of the open sessions since they opened.</param>
/// <param name="RetransmitsPerSecond">Retransmissions per second over the interval.</param>
/// <param name="FecRecovered">Packets rebuilt by FEC in the open sessions since they opened.</param>
/// <param name="FecRecoveredPerSecond">FEC recoveries per second over the interval.</param>
/// <param name="BytesInPerSecond">Payload bytes received per second.</param>
/// <param name="BytesOutPerSecond">Payload bytes sent per second.</param>
/// <param name="SegmentsInPerSecond">KCP segments received per second.</param>
/// <param name="SegmentsOutPerSecond">KCP segments sent per second.</param>
internal sealed record KcpStatsSample(
    long Time,
    int ActiveSessions,
    double AverageRttMs,
    int MaxRttMs,
    long RetransmittedSegments,
    double RetransmitsPerSecond,
    long FecRecovered,
    double FecRecoveredPerSecond,
    double BytesInPerSecond,
    double BytesOutPerSecond,
    double SegmentsInPerSecond,
    double SegmentsOutPerSecond);
