using Kcp.Transport;

namespace Kcp.AspNetCore;

/// <summary>
/// The KCP session under a connection: read it with <c>connection.Features.Get&lt;IKcpSessionFeature&gt;()</c>.
/// Every property takes a fresh snapshot, so read <see cref="GetStatistics"/> once when several values must agree.
/// </summary>
public interface IKcpSessionFeature
{
    /// <summary>The conversation id (conv) shared by both ends.</summary>
    uint Conversation { get; }

    /// <summary>Why the session closed, or <see cref="KcpCloseReason.None"/> while it is open.</summary>
    KcpCloseReason CloseReason { get; }

    /// <summary>Smoothed round-trip time.</summary>
    TimeSpan SmoothedRtt { get; }

    /// <summary>Round-trip time variance.</summary>
    TimeSpan RttVariance { get; }

    /// <summary>Current retransmission timeout.</summary>
    TimeSpan RetransmissionTimeout { get; }

    /// <summary>Local send window in segments.</summary>
    int SendWindow { get; }

    /// <summary>Local receive window in segments.</summary>
    int ReceiveWindow { get; }

    /// <summary>Receive window last advertised by the peer, in segments.</summary>
    int RemoteWindow { get; }

    /// <summary>Segments queued or in flight, not yet acknowledged.</summary>
    int InFlight { get; }

    /// <summary>Segments retransmitted so far (timeout, fast and early).</summary>
    long RetransmittedSegments { get; }

    /// <summary>A consistent snapshot of all counters, FEC and crypto ones included.</summary>
    KcpSessionStatistics GetStatistics();
}
