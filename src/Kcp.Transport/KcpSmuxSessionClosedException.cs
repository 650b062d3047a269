namespace Kcp.Transport;

/// <summary>
/// Completes the input of every stream of an smux session that ended while the stream was open (the peer went away,
/// the KCP session was lost, a protocol error): the stream was reset, not closed by its peer.
/// </summary>
public sealed class KcpSmuxSessionClosedException : IOException
{
    /// <summary>Creates the exception for <paramref name="reason"/>, with the underlying failure when there is one.</summary>
    public KcpSmuxSessionClosedException(KcpSmuxCloseReason reason, string detail, Exception? innerException = null)
        : base($"The smux session was closed ({reason}): {detail}", innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the session ended.</summary>
    public KcpSmuxCloseReason Reason { get; }
}
