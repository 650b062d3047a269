namespace Kcp.Transport;

/// <summary>Why an smux session ended.</summary>
public enum KcpSmuxCloseReason
{
    /// <summary>The session is still open.</summary>
    None,

    /// <summary>The application disposed or aborted it.</summary>
    LocalClose,

    /// <summary>The byte stream under it (the KCP session) ended or failed.</summary>
    TransportClosed,

    /// <summary>Nothing arrived for <see cref="KcpSmuxOptions.KeepAliveTimeout"/>.</summary>
    KeepAliveTimeout,

    /// <summary>
    /// The peer sent something smux (or the snappy framing) does not allow: another smux version, snappy framing where
    /// none was expected or none where it was, an unknown command, a corrupt chunk. The log and the
    /// <c>kcp.smux.errors</c> counter name the exact reason.
    /// </summary>
    ProtocolError,
}
