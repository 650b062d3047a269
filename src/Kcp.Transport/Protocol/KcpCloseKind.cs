namespace Kcp.Transport.Protocol;

/// <summary>How a session ended, as a <see cref="KcpCloseNotice"/> tells the peer.</summary>
internal enum KcpCloseKind : byte
{
    /// <summary>Closed after everything written was acknowledged: the peer reads to the end.</summary>
    Graceful = 0,

    /// <summary>Aborted (or its listener closed): what was queued is gone; the peer's reads fail.</summary>
    Abort = 1,

    /// <summary>Sent by a listener that has no session for the datagram's address and conversation (it restarted, or the session closed).</summary>
    Reset = 2,
}
