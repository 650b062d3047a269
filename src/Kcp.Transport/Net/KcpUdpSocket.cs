using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport;

/// <summary>
/// One UDP socket with a fixed number of receive loops. On Linux the loops are dedicated threads calling recvmmsg
/// (many datagrams per system call, GRO where the kernel has it) and sends made inside a <see cref="SendBatchScope"/>
/// leave in one sendmmsg (GSO-coalesced where possible); elsewhere, or when <see cref="KcpSocketIo.Portable"/> is
/// chosen, each loop awaits ReceiveFromAsync and each send is one SendTo. Either way each loop owns its pinned
/// buffers and addresses, so steady-state I/O allocates nothing.
/// </summary>
internal sealed partial class KcpUdpSocket : IDisposable
{
    // Larger than kcp-go's 1500-byte limit so that oversized datagrams are seen whole and counted, not truncated.
    private const int ReceiveBufferSize = 2048;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly KcpCounters _counters;
    private readonly LogRateLimiter _sendErrorLog = new(5000);
    private readonly LogRateLimiter _receiveErrorLog = new(5000);
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];
    private DialedSocketPoller.Registration? _pollerRegistration;
    private int _disposed;
    private long _sendCalls;

    private KcpUdpSocket(Socket socket, KcpCounters counters, ILogger logger, KcpSocketIo io)
    {
        _socket = socket;
        _counters = counters;
        _logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        Io = io;
        if (io is KcpSocketIo.Batch or KcpSocketIo.Offload)
        {
            int fd = (int)socket.SafeHandle.DangerousGetHandle();
            _gso = io == KcpSocketIo.Offload && LinuxUdp.ProbeGso(fd);
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>The I/O strategy in use (never <see cref="KcpSocketIo.Auto"/>).</summary>
    public KcpSocketIo Io { get; }

    /// <summary>True when the shared <see cref="DialedSocketPoller"/> drains this socket.</summary>
    internal bool IsPolled => _pollerRegistration is not null;

    /// <summary>Sends go out through UDP GSO (UDP_SEGMENT) when they can.</summary>
    public bool GsoEnabled => _gso;

    /// <summary>Receives ask for GRO-coalesced datagrams (listeners' receive threads; set by <see cref="StartReceiving"/>).</summary>
    public bool GroEnabled => _gro;

    /// <summary>System calls made to send (sendto or sendmmsg): with batching, fewer than the datagrams sent.</summary>
    public long SendSystemCalls => Volatile.Read(ref _sendCalls);

    /// <summary>Completes when every receive loop has ended.</summary>
    public Task Completion => Task.WhenAll(_loops);

    public static KcpUdpSocket Bind(IPEndPoint localEndPoint, KcpOptions options, KcpCounters counters, ILogger logger)
    {
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
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
            return new KcpUdpSocket(socket, counters, logger, ResolveIo(options.SocketIo));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Picks the strategy: what was asked for, KCP_SOCKET_IO for Auto, and Portable where batching is impossible.</summary>
    internal static KcpSocketIo ResolveIo(KcpSocketIo requested)
    {
        if (requested == KcpSocketIo.Auto)
        {
            requested = Environment.GetEnvironmentVariable("KCP_SOCKET_IO")?.Trim().ToLowerInvariant() switch
            {
                "portable" => KcpSocketIo.Portable,
                "batch" => KcpSocketIo.Batch,
                _ => KcpSocketIo.Offload,
            };
        }

        return requested != KcpSocketIo.Portable && LinuxUdp.IsSupported ? requested : KcpSocketIo.Portable;
    }

    /// <summary>
    /// Starts <paramref name="loops"/> receive loops that hand every datagram to <paramref name="handler"/>. A batching
    /// socket gives each loop a thread of its own unless <paramref name="dedicatedThreads"/> is false (one dialed
    /// session's socket), which the shared <see cref="DialedSocketPoller"/> drains instead.
    /// </summary>
    public void StartReceiving(IDatagramHandler handler, int loops, bool dedicatedThreads = true)
    {
        // GRO needs 64 KiB per receive slot: worth it for a listener's few threads, not for every dialed session.
        if (dedicatedThreads && Io == KcpSocketIo.Offload)
        {
            _gro = LinuxUdp.EnableGro((int)_socket.SafeHandle.DangerousGetHandle());
        }

        _loops = new Task[loops];
        for (int i = 0; i < loops; i++)
        {
            if (!dedicatedThreads)
            {
                _loops[i] = Io == KcpSocketIo.Portable
                    ? Task.Run(() => ReceiveLoopAsync(handler))
                    : RegisterWithPoller(handler) ?? Task.Run(() => PeekDrivenReceiveLoopAsync(handler));
            }
            else
            {
                // Threads, not async loops: a socket caches one awaitable receive, so concurrent async receives on
                // one socket would allocate per datagram.
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var thread = new Thread(() =>
                {
                    if (Io == KcpSocketIo.Portable)
                    {
                        BlockingReceiveLoop(handler, done);
                    }
                    else
                    {
                        BatchReceiveLoop(handler, done);
                    }
                })
                {
                    IsBackground = true,
                    Name = $"KCP receive {LocalEndPoint.Port}",
                };
                _loops[i] = done.Task;
                thread.Start();
            }
        }
    }

    /// <summary>
    /// Sends one datagram; failures are counted and logged, never thrown (UDP is best effort). Inside a
    /// <see cref="SendBatchScope"/> on a batching socket the datagram is copied and leaves when the scope ends.
    /// </summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (Io != KcpSocketIo.Portable && SendBatch.Current is { Depth: > 0 } batch)
        {
            batch.Add(this, datagram, remote);
            return;
        }

        SendUnbatched(datagram, remote);
    }

    /// <summary>One SendTo, whatever the strategy.</summary>
    internal void SendUnbatched(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            Interlocked.Increment(ref _sendCalls);
            _socket.SendTo(datagram, SocketFlags.None, remote);
            _counters.OnSent(datagram.Length);
        }
        catch (SocketException e)
        {
            LogSendError(e.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // The socket closed under a session that was still flushing: the session is closing too.
        }
    }

    private void LogSendError(SocketError error)
    {
        if (_sendErrorLog.TryAcquire())
        {
            KcpTransportLog.SendError(_logger, LocalEndPoint, error);
        }
    }

    private void BlockingReceiveLoop(IDatagramHandler handler, TaskCompletionSource done)
    {
        try
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
            var address = new SocketAddress(_socket.AddressFamily);
            while (Volatile.Read(ref _disposed) == 0)
            {
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException e) when (Volatile.Read(ref _disposed) != 0 || e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    return;
                }
                catch (SocketException e)
                {
                    // ICMP errors (ConnectionReset, HostUnreachable...) surface here for earlier sends: not fatal for UDP.
                    if (_receiveErrorLog.TryAcquire())
                    {
                        KcpTransportLog.ReceiveError(_logger, LocalEndPoint, e.SocketErrorCode);
                    }

                    continue;
                }

                Deliver(handler, buffer.AsSpan(0, length), address);
            }
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async Task ReceiveLoopAsync(IDatagramHandler handler)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var address = new SocketAddress(_socket.AddressFamily);
        CancellationToken stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, address, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (Volatile.Read(ref _disposed) != 0 || e.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException e)
            {
                // ICMP errors (ConnectionReset, HostUnreachable...) surface here for earlier sends: not fatal for UDP.
                _counters.OnReceiveError();
                KcpTransportLog.ReceiveError(_logger, LocalEndPoint, e.SocketErrorCode);
                continue;
            }

            Deliver(handler, buffer.AsSpan(0, length), address);
        }
    }

    /// <summary>Hands a dialed socket to the shared <see cref="DialedSocketPoller"/>; null where there is none.</summary>
    private Task? RegisterWithPoller(IDatagramHandler handler)
    {
        if (DialedSocketPoller.Shared is not { } poller)
        {
            return null;
        }

        var receiver = new BatchReceiver(this, CompactSlots);
        _pollerRegistration = poller.Register((int)_socket.SafeHandle.DangerousGetHandle(), max => DrainTurn(receiver, handler, max));
        return _pollerRegistration?.Completion;
    }

    /// <summary>
    /// A dialed session's receive loop where the <see cref="DialedSocketPoller"/> is unavailable: .NET's event loop
    /// reports readiness through a one-byte MSG_PEEK receive, then recvmmsg drains the socket.
    /// </summary>
    private async Task PeekDrivenReceiveLoopAsync(IDatagramHandler handler)
    {
        var receiver = new BatchReceiver(this, CompactSlots);
        byte[] peek = GC.AllocateUninitializedArray<byte>(1, pinned: true);
        var peekAddress = new SocketAddress(_socket.AddressFamily);
        CancellationToken stop = _stop.Token;
        try
        {
            while (true)
            {
                if (!Drain(receiver, handler))
                {
                    return;
                }

                try
                {
                    await _socket.ReceiveFromAsync(peek, SocketFlags.Peek, peekAddress, stop).ConfigureAwait(false);
                }
                catch (SocketException e) when (Volatile.Read(ref _disposed) == 0 && e.SocketErrorCode != SocketError.OperationAborted)
                {
                    // ICMP errors for earlier sends surface here: not fatal for UDP.
                    if (_receiveErrorLog.TryAcquire())
                    {
                        KcpTransportLog.ReceiveError(_logger, LocalEndPoint, e.SocketErrorCode);
                    }
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            KcpTransportLog.ReceiveLoopFault(_logger, LocalEndPoint, e);
        }
    }

    private void Deliver(IDatagramHandler handler, Span<byte> datagram, SocketAddress address)
    {
        _counters.OnReceived(datagram.Length);
        try
        {
            handler.OnDatagram(datagram, address);
        }
        catch (Exception e)
        {
            // A bug in packet handling must not end the loop that serves every session on this socket.
            KcpTransportLog.ReceiveLoopFault(_logger, LocalEndPoint, e);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _pollerRegistration?.Close();
        _socket.Dispose();
    }
}
