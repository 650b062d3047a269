using Kcp.Transport;

namespace ChatHubSample.Stats;

/// <summary>
/// The body of <c>GET /api/kcp-stats</c>: the live session list, the latest rates, the recent history, and the
/// transport's cumulative counters (the numbers <c>/metrics</c> exports from the Kcp.Transport meter).
/// </summary>
internal sealed record KcpStatsReport(
    int ActiveSessions,
    IReadOnlyList<KcpSessionReport> Sessions,
    KcpStatsSample? Latest,
    IReadOnlyList<KcpStatsSample> History,
    KcpMetricsSnapshot? Transport = null);
