using Kcp.Transport;

namespace Kcp.AspNetCore.Internal;

/// <summary>The session's statistics as <see cref="IKcpSessionFeature"/>.</summary>
internal sealed partial class KcpConnectionContext : IKcpSessionFeature
{
    uint IKcpSessionFeature.Conversation => _session.Conversation;

    KcpCloseReason IKcpSessionFeature.CloseReason => _session.CloseReason;

    TimeSpan IKcpSessionFeature.SmoothedRtt => TimeSpan.FromMilliseconds(_session.GetStatistics().SmoothedRtt);

    TimeSpan IKcpSessionFeature.RttVariance => TimeSpan.FromMilliseconds(_session.GetStatistics().RttVariance);

    TimeSpan IKcpSessionFeature.RetransmissionTimeout => TimeSpan.FromMilliseconds(_session.GetStatistics().RetransmissionTimeout);

    int IKcpSessionFeature.SendWindow => _session.GetStatistics().SendWindow;

    int IKcpSessionFeature.ReceiveWindow => _session.GetStatistics().ReceiveWindow;

    int IKcpSessionFeature.RemoteWindow => _session.GetStatistics().RemoteWindow;

    int IKcpSessionFeature.InFlight => _session.GetStatistics().InFlight;

    long IKcpSessionFeature.RetransmittedSegments => _session.GetStatistics().Counters.RetransmittedSegments;

    KcpSessionStatistics IKcpSessionFeature.GetStatistics() => _session.GetStatistics();
}
