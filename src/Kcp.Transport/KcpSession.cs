using Kcp.Transport.Sessions;

namespace Kcp.Transport;

/// <summary>
/// One KCP conversation with one remote endpoint, exposed as a duplex pipe: <see cref="Input"/> yields the bytes the
/// peer sent, in order; bytes written to <see cref="Output"/> are delivered reliably. The session owns no thread,
/// timer or task: its runtime's receive loops and scheduler drive it, and the application's pipe calls push data in.
/// Get one from <see cref="KcpListener.AcceptAsync"/> or <see cref="KcpClient.ConnectAsync(IPEndPoint, KcpOptions?, Microsoft.Extensions.Logging.ILoggerFactory?, CancellationToken)"/>.
/// </summary>
public sealed class KcpSession : IDuplexPipe, IAsyncDisposable
{
    internal KcpSession(Session core) => Core = core;

    /// <summary>The conversation id (conv) shared by both ends.</summary>
    public uint Conversation => Core.Conversation;

    /// <summary>The peer's address.</summary>
    public IPEndPoint RemoteEndPoint => Core.RemoteEndPoint;

    /// <summary>The local socket's address.</summary>
    public IPEndPoint LocalEndPoint => Core.LocalEndPoint;

    /// <summary>True for sessions a listener accepted, false for dialed ones.</summary>
    public bool IsPassive => Core.IsPassive;

    /// <summary>Bytes received from the peer, in order.</summary>
    public PipeReader Input => Core.Input;

    /// <summary>Bytes to deliver to the peer.</summary>
    public PipeWriter Output => Core.Output;

    /// <summary>Cancelled (from the thread pool) when the session has closed.</summary>
    public CancellationToken Closed => Core.Closed;

    /// <summary>Why the session closed, or <see cref="KcpCloseReason.None"/> while it is open.</summary>
    public KcpCloseReason CloseReason => Core.CloseReason;

    /// <summary>The session inside this handle (tests reach its parts through it).</summary>
    internal Session Core { get; }

    /// <summary>A snapshot of the ARQ state and counters; a closed session keeps the counters it had at close.</summary>
    public KcpSessionStatistics GetStatistics() => Core.GetStatistics();

    /// <summary>
    /// Completes <see cref="Output"/>, waits until everything written has been acknowledged by the peer (or
    /// <paramref name="cancellationToken"/> fires), then closes the session. A peer of ours is told; a kcp-go peer
    /// is not (KCP has no FIN).
    /// </summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => Core.CloseAsync(cancellationToken);

    /// <summary>
    /// Closes the session at once; queued and unacknowledged data is discarded. The application's pending and later
    /// reads fail with <paramref name="reason"/> when one is given.
    /// </summary>
    public void Abort(Exception? reason = null) => Core.Close(KcpCloseReason.Aborted, reason);

    /// <summary>Closes gracefully, waiting at most <see cref="KcpOptions.LingerTimeout"/> for sent data to be acknowledged.</summary>
    public ValueTask DisposeAsync() => Core.DisposeAsync();
}
