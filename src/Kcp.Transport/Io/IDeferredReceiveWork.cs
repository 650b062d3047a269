namespace Kcp.Transport.Io;

/// <summary>Work a receiver put off until the end of a <see cref="ReceiveTurn"/> (a session flushing its input pipe).</summary>
internal interface IDeferredReceiveWork
{
    /// <summary>Runs the deferred work on the receive loop's thread, after the turn's last datagram.</summary>
    void RunDeferred();
}
