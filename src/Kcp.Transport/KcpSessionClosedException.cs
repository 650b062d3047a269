namespace Kcp.Transport;

/// <summary>Completes a session's input when the session ended abnormally (dead link, idle timeout, transport closed).</summary>
public sealed class KcpSessionClosedException : IOException
{
    /// <summary>Creates the exception for <paramref name="reason"/>.</summary>
    public KcpSessionClosedException(KcpCloseReason reason)
        : base($"The KCP session was closed: {reason}.")
    {
        Reason = reason;
    }

    /// <summary>Why the session closed.</summary>
    public KcpCloseReason Reason { get; }
}
