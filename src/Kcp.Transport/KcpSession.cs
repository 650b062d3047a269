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

    /// <summary>
    /// The largest payload <see cref="TrySendDatagram"/> takes: what one UDP datagram of <see cref="KcpOptions.Mtu"/> holds
    /// after the crypto header and trailer and the 12 bytes of out-of-band framing (kcp-go's <c>GetOOBMaxSize</c> when FEC
    /// is on; 1368 with aes and the default MTU, 1360 with aes-128-gcm).
    /// </summary>
    public int MaxDatagramSize => Core.Datagrams.MaxDatagramSize;

    /// <summary>
    /// Sends <paramref name="datagram"/> as one unreliable, unordered datagram beside the stream (kcp-go's out-of-band
    /// packet, <c>SendOOB</c>): never retransmitted, acknowledged or held back by the stream's window or a lost segment,
    /// sealed by the session's cipher, not FEC-protected. It never waits for the peer: it returns false when the datagram
    /// was not sent (the session closed, or a listener's session whose peer address is not validated yet has used its
    /// amplification budget; such drops are counted). True means handed to the socket, not delivered. Empty datagrams
    /// are allowed. kcp-go requires FEC on for these datagrams; ours send and receive them with or without FEC (README,
    /// "Unreliable datagrams").
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="datagram"/> is longer than <see cref="MaxDatagramSize"/>.</exception>
    public bool TrySendDatagram(ReadOnlySpan<byte> datagram) => Core.Datagrams.TrySend(datagram);

    /// <summary>
    /// Waits for the oldest received datagram and copies it into <paramref name="buffer"/>; returns its length (0 for an
    /// empty datagram). Received datagrams wait in a queue of <see cref="KcpOptions.DatagramQueueLength"/> (the oldest is
    /// dropped when it is full); after the session closed, what is queued is still returned, then
    /// <see cref="KcpSessionClosedException"/> (or the reason it was aborted with) is thrown. One reader at a time.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is shorter than the datagram (it stays queued); 1500 bytes always suffice.</exception>
    /// <exception cref="InvalidOperationException">Another receive is pending.</exception>
    public ValueTask<int> ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => Core.Datagrams.ReceiveAsync(buffer, cancellationToken);

    /// <summary>
    /// Copies the oldest received datagram into <paramref name="buffer"/> without waiting (a game loop's tick drains them
    /// this way); false when none is queued, open or closed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is shorter than the datagram (it stays queued).</exception>
    public bool TryReceiveDatagram(Span<byte> buffer, out int length) => Core.Datagrams.TryReceive(buffer, out length);

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
