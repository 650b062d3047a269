namespace ChatHubSample.Stats;

/// <summary>The body of <c>GET /api/kcp-stats</c>: the live session list, the latest rates and the recent history.</summary>
internal sealed record KcpStatsReport(
    int ActiveSessions,
    IReadOnlyList<KcpSessionReport> Sessions,
    KcpStatsSample? Latest,
    IReadOnlyList<KcpStatsSample> History);
