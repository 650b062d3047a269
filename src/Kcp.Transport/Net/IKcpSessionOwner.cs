using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport;

/// <summary>What a session needs from the listener or client that created it.</summary>
internal interface IKcpSessionOwner
{
    UdpSocket Socket { get; }

    /// <summary>The scheduler, pools and memory the session runs on.</summary>
    KcpRuntime Runtime { get; }

    KcpCounters Counters { get; }

    ILogger Logger { get; }

    /// <summary>Called once, outside the session's lock, after the session closed.</summary>
    void OnSessionClosed(KcpSession session);

    /// <summary>Called once, outside the session's lock, when a passive session's peer address became validated.</summary>
    void OnSessionValidated(KcpSession session)
    {
    }
}
