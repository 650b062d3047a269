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

    /// <summary>The peer announced that it closed the session.</summary>
    RemoteClose,
}
