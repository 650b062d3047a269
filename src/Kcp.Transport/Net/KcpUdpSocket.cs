using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport;

/// <summary>
/// One UDP socket with a fixed number of receive loops. Each loop owns one pinned buffer and one
/// <see cref="SocketAddress"/>, so receiving allocates nothing per datagram; sends are synchronous and lock-free.
/// </summary>
internal sealed class KcpUdpSocket : IDisposable
{
    // Larger than kcp-go's 1500-byte limit so that oversized datagrams are seen whole and counted, not truncated.
    private const int ReceiveBufferSize = 2048;

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly KcpCounters _counters;
    private readonly LogRateLimiter _sendErrorLog = new(5000);
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];
    private int _disposed;

    private KcpUdpSocket(Socket socket, KcpCounters counters, ILogger logger)
    {
        _socket = socket;
        _counters = counters;
        _logger = logger;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => _socket.AddressFamily;

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
            return new KcpUdpSocket(socket, counters, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="loops"/> receive loops that hand every datagram to <paramref name="handler"/>.</summary>
    public void StartReceiving(IDatagramHandler handler, int loops)
    {
        _loops = new Task[loops];
        for (int i = 0; i < loops; i++)
        {
            _loops[i] = Task.Run(() => ReceiveLoopAsync(handler));
        }
    }

    /// <summary>Sends one datagram; failures are counted and logged, never thrown (UDP is best effort).</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            _counters.OnSent(datagram.Length);
        }
        catch (SocketException e)
        {
            if (_sendErrorLog.TryAcquire())
            {
                KcpTransportLog.SendError(_logger, LocalEndPoint, e.SocketErrorCode);
            }
        }
        catch (ObjectDisposedException)
        {
            // The socket closed under a session that was still flushing: the session is closing too.
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

            _counters.OnReceived(length);
            try
            {
                handler.OnDatagram(buffer.AsSpan(0, length), address);
            }
            catch (Exception e)
            {
                // A bug in packet handling must not end the loop that serves every session on this socket.
                KcpTransportLog.ReceiveLoopFault(_logger, LocalEndPoint, e);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _socket.Dispose();
    }
}
