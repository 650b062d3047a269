
namespace Kcp.Transport.Diagnostics;

/// <summary>Every log event of the transport, with fixed ids. Nothing here is logged per packet.</summary>
internal static partial class KcpTransportLog
{
    /// <summary>The logger category of the transport.</summary>
    public const string Category = "Kcp.Transport";

    [LoggerMessage(1, LogLevel.Information, "KCP listener bound to {EndPoint}.", EventName = "ListenerBound")]
    public static partial void ListenerBound(ILogger logger, EndPoint endPoint);

    [LoggerMessage(2, LogLevel.Debug, "KCP session {Conv} with {Remote} opened ({Side}).", EventName = "SessionOpened")]
    public static partial void SessionOpened(ILogger logger, uint conv, EndPoint remote, string side);

    [LoggerMessage(3, LogLevel.Debug, "KCP session {Conv} with {Remote} closed: {Reason}.", EventName = "SessionClosed")]
    public static partial void SessionClosed(ILogger logger, uint conv, EndPoint remote, KcpCloseReason reason);

    [LoggerMessage(4, LogLevel.Debug, "Dropped datagrams from {Remote}: {Reason} ({Count} dropped for this reason so far).", EventName = "DatagramDropped")]
    public static partial void DatagramDropped(ILogger logger, EndPoint remote, PacketDropReason reason, long count);

    [LoggerMessage(5, LogLevel.Warning, "Datagrams from {Remote} fail the checksum after decryption ({Count} so far): the peer probably uses another key or cipher.", EventName = "ChecksumFailures")]
    public static partial void ChecksumFailures(ILogger logger, EndPoint remote, long count);

    [LoggerMessage(6, LogLevel.Warning, "New KCP sessions are being refused: {Reason} ({Count} refused so far).", EventName = "SessionsRefused")]
    public static partial void SessionsRefused(ILogger logger, PacketDropReason reason, long count);

    [LoggerMessage(7, LogLevel.Warning, "UDP receive on {EndPoint} failed with {Error}; the receive loop continues.", EventName = "ReceiveError")]
    public static partial void ReceiveError(ILogger logger, EndPoint endPoint, SocketError error);

    [LoggerMessage(8, LogLevel.Warning, "UDP send to {Remote} failed with {Error}.", EventName = "SendError")]
    public static partial void SendError(ILogger logger, EndPoint remote, SocketError error);

    [LoggerMessage(9, LogLevel.Error, "Unexpected error in the KCP receive loop on {EndPoint}; the loop continues.", EventName = "ReceiveLoopFault")]
    public static partial void ReceiveLoopFault(ILogger logger, EndPoint endPoint, Exception exception);

    [LoggerMessage(10, LogLevel.Error, "Unexpected error while updating KCP session {Conv}; the session is closed.", EventName = "SessionFault")]
    public static partial void SessionFault(ILogger logger, uint conv, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "KCP listener on {EndPoint} closed after {Sessions} sessions, {Datagrams} datagrams received and {Dropped} dropped.", EventName = "ListenerClosed")]
    public static partial void ListenerClosed(ILogger logger, EndPoint endPoint, long sessions, long datagrams, long dropped);

    [LoggerMessage(12, LogLevel.Warning, "KCP listener on {EndPoint} has {Sessions} sessions open, its limit (MaxSessions); new sessions are refused until some close.", EventName = "SessionLimitReached")]
    public static partial void SessionLimitReached(ILogger logger, EndPoint endPoint, int sessions);

    [LoggerMessage(13, LogLevel.Warning, "The UDP send buffer of {EndPoint} is full: datagrams are dropped instead of waited for, and KCP retransmits them ({Count} dropped so far). Raise KcpOptions.SocketSendBufferSize (and net.core.wmem_max) if this persists.", EventName = "SendBufferFull")]
    public static partial void SendBufferFull(ILogger logger, EndPoint endPoint, long count);
    [LoggerMessage(20, LogLevel.Debug, "smux v{Version} session over {Remote} started ({Side}, compression {Compression}).", EventName = "SmuxSessionStarted")]
    public static partial void SmuxSessionStarted(ILogger logger, int version, string remote, string side, KcpSmuxCompression compression);

    [LoggerMessage(21, LogLevel.Debug, "smux session over {Remote} closed: {Reason} after {Streams} streams.", EventName = "SmuxSessionClosed")]
    public static partial void SmuxSessionClosed(ILogger logger, string remote, KcpSmuxCloseReason reason, long streams);

    [LoggerMessage(22, LogLevel.Warning, "smux session over {Remote} closed: protocol error {Error}: {Detail}", EventName = "SmuxProtocolError")]
    public static partial void SmuxProtocolError(ILogger logger, string remote, string error, string detail);

    [LoggerMessage(23, LogLevel.Information, "smux session over {Remote} closed: nothing arrived for {Timeout} (keep-alive timeout).", EventName = "SmuxKeepAliveTimeout")]
    public static partial void SmuxKeepAliveTimeout(ILogger logger, string remote, TimeSpan timeout);

    [LoggerMessage(24, LogLevel.Warning, "smux session over {Remote}: stream {StreamId} refused, {Backlog} streams already wait to be accepted ({Count} refused so far).", EventName = "SmuxStreamRefused")]
    public static partial void SmuxStreamRefused(ILogger logger, string remote, uint streamId, int backlog, long count);

    [LoggerMessage(90, LogLevel.Warning, "aes-128-gcm: {Count} datagrams sealed with this key; random 96-bit nonces are safe for at most 2^32 per key (NIST SP 800-38D). Rotate the key (KcpOptions.Key).", EventName = "NonceBudgetWarning")]
    public static partial void NonceBudgetWarning(ILogger logger, long count);
}
