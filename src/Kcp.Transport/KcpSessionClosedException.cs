namespace Kcp.Transport;

/// <summary>
/// Fails a session's input when the session ended abnormally: aborted or reset by the peer, timed out, or its transport
/// closed. <see cref="Reason"/> says which; the message says it in words a log reader can act on.
/// </summary>
public sealed class KcpSessionClosedException : IOException
{
    /// <summary>Creates the exception for <paramref name="reason"/>, with the standard explanation.</summary>
    public KcpSessionClosedException(KcpCloseReason reason)
        : this(reason, Explain(reason))
    {
    }

    /// <summary>Creates the exception for <paramref name="reason"/> with <paramref name="message"/>.</summary>
    public KcpSessionClosedException(KcpCloseReason reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>Why the session closed.</summary>
    public KcpCloseReason Reason { get; }

    private static string Explain(KcpCloseReason reason) => reason switch
    {
        KcpCloseReason.IdleTimeout => "The KCP session was closed: nothing arrived from the peer within KcpOptions.IdleTimeout.",
        KcpCloseReason.DeadLink => "The KCP session was closed: the peer stopped acknowledging (KcpOptions.DeadLink transmissions of one segment) and fell silent.",
        KcpCloseReason.RemoteAbort => "The KCP session was aborted by the peer.",
        KcpCloseReason.Reset => "The KCP session was reset by the peer: its listener does not know this session any more (it restarted, or closed the session).",
        KcpCloseReason.ConnectTimeout => "The KCP session received nothing valid from the peer within KcpOptions.ConnectTimeout: nothing is listening there, the listener refused new sessions (its admission limits, under load), or its Crypt, Key or FEC shards differ.",
        KcpCloseReason.Evicted => "The KCP session was closed by its listener before the peer proved its address, to admit another session under pressure.",
        KcpCloseReason.TransportClosed => "The KCP session was closed: its listener or client socket was disposed.",
        KcpCloseReason.Replaced => "The KCP session was replaced: the peer started a new conversation from the same address.",
        _ => $"The KCP session was closed: {reason}.",
    };
}
