using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport;

/// <summary>What a session needs from the listener or client that created it.</summary>
internal interface IKcpSessionOwner
{
    KcpUdpSocket Socket { get; }

    KcpCounters Counters { get; }

    ILogger Logger { get; }

    /// <summary>Called once, outside the session's lock, after the session closed.</summary>
    void OnSessionClosed(KcpSession session);

    /// <summary>Called once, outside the session's lock, when a passive session's peer address became validated.</summary>
    void OnSessionValidated(KcpSession session)
    {
    }
}
