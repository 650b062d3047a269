using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io.Linux;

namespace Kcp.Transport.Io;

/// <summary>
/// One bound UDP socket and its receive loops: the one interface behind which the socket backends sit
/// (<see cref="PortableUdpSocket"/>, Linux's <see cref="BatchedUdpSocket"/>). Received datagrams go to an
/// <see cref="IDatagramReceiver"/> synchronously on a loop, one <see cref="ReceiveTurn"/> per system call; datagrams to
/// send leave one at a time (<see cref="Send"/>) or a <see cref="Io.SendBatch"/> at a time. Every loop owns its pinned
/// buffers and addresses, so steady-state I/O allocates nothing. Failures are counted and logged at a limited rate,
/// never thrown: UDP is best effort.
/// </summary>
/// <remarks>
/// Sends never wait. The descriptor is non-blocking, so a full send buffer fails the call at once (EAGAIN) and its
/// datagrams are dropped and counted (<see cref="PacketDropReason.SendBufferFull"/>): whoever sends (the scheduler
/// thread that serves every session, a receive loop, an application's flush) is a thread others share, and KCP
/// retransmits what was lost. Receive loops wait for readiness themselves (epoll, poll), never in a blocking call.
/// </remarks>
internal abstract class UdpSocket : IDisposable
{
    /// <summary>Larger than kcp-go's 1500-byte limit, so that oversized datagrams are seen whole and counted, not truncated.</summary>
    protected const int ReceiveBufferSize = 2048;

    private readonly LogRateLimiter _sendErrorLog = new(5000);
    private readonly LogRateLimiter _sendBufferFullLog = new(5000);
    private readonly LogRateLimiter _receiveErrorLog = new(5000);
    private int _disposed;
    private long _sendCalls;

    protected UdpSocket(Socket socket, KcpCounters counters, ILogger logger)
    {
        Socket = socket;
        Counters = counters;
        Logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound address (the real port when port 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => Socket.AddressFamily;

    /// <summary>The backend in use (never <see cref="KcpSocketBackend.Auto"/>).</summary>
    public abstract KcpSocketBackend Backend { get; }

    /// <summary>Sends go out through UDP GSO (UDP_SEGMENT) when they can.</summary>
    public virtual bool GsoEnabled => false;

    /// <summary>Receives take GRO-coalesced datagrams.</summary>
    public virtual bool GroEnabled => false;

    /// <summary>True when the runtime's shared poller drains this socket (a dialed socket on Linux).</summary>
    public virtual bool IsPolled => false;

    /// <summary>System calls made to send (sendto or sendmmsg): with batching, fewer than the datagrams sent.</summary>
    public long SendSystemCalls => Volatile.Read(ref _sendCalls);

    /// <summary>Completes when every receive loop has ended.</summary>
    public abstract Task Completion { get; }

    protected Socket Socket { get; }

    protected KcpCounters Counters { get; }

    protected ILogger Logger { get; }

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Binds a socket with <paramref name="options"/>' buffer sizes and DSCP on the backend they ask for, sharing its
    /// port with other sockets when <paramref name="reusePort"/> (a listener with <see cref="KcpOptions.ReusePort"/>).
    /// <paramref name="poller"/> drains dialed sockets on Linux (null: they use .NET's event loop).
    /// </summary>
    public static UdpSocket Bind(IPEndPoint localEndPoint, KcpOptions options, KcpCounters counters, ILogger logger, EpollPoller? poller, bool reusePort = false)
    {
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (reusePort)
            {
                // Before bind, as the kernel requires; validation refused the option elsewhere than on Linux.
                LinuxUdp.SetReusePort(socket);
            }

            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6 && localEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            if (options.SocketReceiveBufferSize > 0)
            {
                socket.ReceiveBufferSize = options.SocketReceiveBufferSize;
            }

            if (options.SocketSendBufferSize > 0)
            {
                socket.SendBufferSize = options.SocketSendBufferSize;
            }

            if (options.Dscp > 0)
            {
                if (localEndPoint.AddressFamily == AddressFamily.InterNetwork)
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.TypeOfService, options.Dscp << 2);
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, (SocketOptionName)67 /* IPV6_TCLASS */, options.Dscp << 2);
                }
            }

            socket.Bind(localEndPoint);

            // Sends fail at once on a full buffer instead of blocking (see the remarks).
            socket.Blocking = false;
            KcpSocketBackend backend = Resolve(options.SocketBackend);
            return backend == KcpSocketBackend.Portable
                ? new PortableUdpSocket(socket, counters, logger)
                : new BatchedUdpSocket(socket, counters, logger, offload: backend == KcpSocketBackend.BatchedWithOffload, poller);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The backend for <paramref name="requested"/> on this machine: batching only where Linux allows it.</summary>
    public static KcpSocketBackend Resolve(KcpSocketBackend requested)
    {
        if (requested == KcpSocketBackend.Auto)
        {
            requested = KcpSocketBackend.BatchedWithOffload;
        }

        return requested != KcpSocketBackend.Portable && LinuxUdp.IsSupported ? requested : KcpSocketBackend.Portable;
    }

    /// <summary>
    /// Starts the receive loops. A listener's socket gets <paramref name="dedicatedLoops"/> threads of its own; a dialed
    /// session's socket (0) gets none: the runtime's poller or an async loop drains it.
    /// </summary>
    public abstract void StartReceiving(IDatagramReceiver receiver, int dedicatedLoops);

    /// <summary>Sends datagrams 0..<paramref name="count"/>-1 of <paramref name="batch"/>, in order.</summary>
    public abstract void SendBatch(SendBatch batch, int count);

    /// <summary>Sends one datagram now with one sendto.</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            OnSendCall();
            Socket.SendTo(datagram, SocketFlags.None, remote);
            Counters.OnSent(datagram.Length);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable)
        {
            OnSendBufferFull(1);
        }
        catch (SocketException e)
        {
            OnSendError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // The socket closed under a session that was still flushing: the session is closing too.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        OnDisposing();
        Socket.Dispose();
    }

    /// <summary>Stops what the backend runs before the descriptor closes (its number may be reused afterwards).</summary>
    protected virtual void OnDisposing()
    {
    }

    /// <summary>Hands one received datagram to the receiver; a bug in handling must not end the loop that serves every session.</summary>
    protected void Deliver(IDatagramReceiver receiver, Span<byte> datagram, SocketAddress remote, ReceiveTurn turn)
    {
        Counters.OnReceived(datagram.Length);
        turn.Datagrams++;
        try
        {
            receiver.OnDatagram(datagram, remote, turn);
        }
        catch (Exception e)
        {
            OnLoopFault(e);
        }
    }

    /// <summary>
    /// Ends a receive turn (the deferred work of its datagrams), logging a fault instead of ending the loop; then its
    /// datagrams count as processed (<see cref="KcpCounters.ProcessedPackets"/>: everything they caused has happened).
    /// </summary>
    protected void EndTurn(ReceiveTurn turn)
    {
        try
        {
            turn.End();
        }
        catch (Exception e)
        {
            OnLoopFault(e);
        }
        finally
        {
            Counters.OnProcessed(turn.Datagrams);
            turn.Datagrams = 0;
        }
    }

    /// <summary>
    /// A receive call failed. ICMP errors for earlier sends (port unreachable, host unreachable...) surface here: not
    /// fatal for UDP. Counted as kcp-go counts read errors (InErrs), logged at most every few seconds.
    /// </summary>
    protected void OnReceiveError(SocketError error)
    {
        Counters.OnReceiveError();
        if (_receiveErrorLog.TryAcquire())
        {
            KcpTransportLog.ReceiveError(Logger, LocalEndPoint, error);
        }
    }

    /// <summary>A send call failed (the datagram is lost, as any UDP datagram may be); logged at most every few seconds.</summary>
    protected void OnSendError(SocketError error)
    {
        if (_sendErrorLog.TryAcquire())
        {
            KcpTransportLog.SendError(Logger, LocalEndPoint, error);
        }
    }

    /// <summary>The send buffer was full: <paramref name="datagrams"/> are dropped (KCP retransmits), counted, and logged at most every few seconds.</summary>
    protected void OnSendBufferFull(int datagrams)
    {
        for (int i = 0; i < datagrams; i++)
        {
            Counters.OnDropped(PacketDropReason.SendBufferFull);
        }

        if (_sendBufferFullLog.TryAcquire())
        {
            KcpTransportLog.SendBufferFull(Logger, LocalEndPoint, Counters.Dropped(PacketDropReason.SendBufferFull));
        }
    }

    protected void OnSendCall() => Interlocked.Increment(ref _sendCalls);

    protected void OnLoopFault(Exception e) => KcpTransportLog.ReceiveLoopFault(Logger, LocalEndPoint, e);

    /// <summary>Runs <paramref name="loop"/> on a background thread of its own; the task completes when it returns.</summary>
    protected Task StartThread(Action loop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
            }
            catch (Exception e)
            {
                OnLoopFault(e);
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"KCP receive {LocalEndPoint.Port}",
        };
        thread.Start();
        return done.Task;
    }
}
