using Kcp.Transport;

namespace Kcp.AspNetCore.Internal;

/// <summary>The <see cref="IKcpSessionFeature"/> of a KCP session that several connections (its smux streams) share.</summary>
internal sealed class KcpSessionFeature(KcpSession session) : IKcpSessionFeature
{
    public KcpSession Session => session;

    public uint Conversation => session.Conversation;

    public KcpCloseReason CloseReason => session.CloseReason;

    public TimeSpan SmoothedRtt => TimeSpan.FromMilliseconds(session.GetStatistics().SmoothedRtt);

    public TimeSpan RttVariance => TimeSpan.FromMilliseconds(session.GetStatistics().RttVariance);

    public TimeSpan RetransmissionTimeout => TimeSpan.FromMilliseconds(session.GetStatistics().RetransmissionTimeout);

    public int SendWindow => session.GetStatistics().SendWindow;

    public int ReceiveWindow => session.GetStatistics().ReceiveWindow;

    public int RemoteWindow => session.GetStatistics().RemoteWindow;

    public int InFlight => session.GetStatistics().InFlight;

    public long RetransmittedSegments => session.GetStatistics().Counters.RetransmittedSegments;

    public KcpSessionStatistics GetStatistics() => session.GetStatistics();
}
