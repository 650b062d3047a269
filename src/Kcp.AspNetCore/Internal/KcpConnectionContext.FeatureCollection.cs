using System.Buffers;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Kcp.AspNetCore.Internal;

internal sealed partial class KcpConnectionContext
    : IConnectionIdFeature,
      IConnectionTransportFeature,
      IConnectionItemsFeature,
      IConnectionLifetimeFeature,
      IConnectionEndPointFeature,
      IMemoryPoolFeature,
      IKcpSessionFeature
{
    // IConnectionInherentKeepAliveFeature is deliberately absent: KCP has no keep-alive, so SignalR must keep pinging.
    private void InitializeFeatures()
    {
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<IKcpSessionFeature>(this);
    }

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

    MemoryPool<byte> IMemoryPoolFeature.MemoryPool => MemoryPool;
}
