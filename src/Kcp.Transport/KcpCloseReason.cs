namespace Kcp.Transport;

/// <summary>Why a session ended.</summary>
public enum KcpCloseReason
{
    /// <summary>The session is still open.</summary>
    None,

    /// <summary>The application closed or disposed it.</summary>
    LocalClose,

    /// <summary>The application aborted it; queued data was discarded.</summary>
    Aborted,

    /// <summary>Nothing was received for <see cref="KcpOptions.IdleTimeout"/>.</summary>
    IdleTimeout,

    /// <summary>A segment was sent <see cref="KcpOptions.DeadLink"/> times without an acknowledgement.</summary>
    DeadLink,

    /// <summary>The peer started a new conversation from the same address (kcp-go's sn 0 rule).</summary>
    Replaced,

    /// <summary>The listener or the client socket was disposed.</summary>
    TransportClosed,

    /// <summary>The peer closed the session gracefully; everything it sent was delivered.</summary>
    RemoteClose,

    /// <summary>The peer aborted the session (or its listener closed); what it had queued is lost.</summary>
    RemoteAbort,

    /// <summary>
    /// The peer's listener no longer knows the session (it restarted, or closed the session) and said so. With
    /// <see cref="KcpOptions.Crypt"/> "none" or "null" anyone can forge this, as anything else; with a cipher only
    /// a holder of the key can.
    /// </summary>
    Reset,

    /// <summary>A dialed session received nothing valid within <see cref="KcpOptions.ConnectTimeout"/> of its first datagram.</summary>
    ConnectTimeout,

    /// <summary>
    /// A listener closed the session before its peer proved its address (by acknowledging one of our segments), to
    /// admit another while new sessions were under pressure (README "Security").
    /// </summary>
    Evicted,
}
