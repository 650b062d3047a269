using System.Net;
using System.Net.Sockets;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// A one-client UDP relay that records every datagram in both directions, so tests can replay, reflect and tamper
/// with real traffic. The upstream socket is the address the server sees for the client.
/// </summary>
internal sealed class CaptureRelay : IAsyncDisposable
{
    private readonly Socket _front;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _frontLoop;
    private readonly Task _upstreamLoop;
    private readonly Lock _lock = new();
    private readonly List<byte[]> _toServer = [];
    private readonly List<byte[]> _toClient = [];
    private EndPoint? _client;

    public CaptureRelay(IPEndPoint target)
    {
        _target = target;
        _front = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_front.LocalEndPoint!;
        _frontLoop = Task.Run(FrontLoopAsync);
        _upstreamLoop = Task.Run(UpstreamLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The socket the server sees as the client.</summary>
    public Socket Upstream { get; }

    /// <summary>False stops forwarding (datagrams are still recorded).</summary>
    public volatile bool Forwarding = true;

    public byte[][] ToServer
    {
        get
        {
            lock (_lock)
            {
                return [.. _toServer];
            }
        }
    }

    public byte[][] ToClient
    {
        get
        {
            lock (_lock)
            {
                return [.. _toClient];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _front.Dispose();
        Upstream.Dispose();
        await Task.WhenAll(_frontLoop, _upstreamLoop).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task FrontLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await _front.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                _client = r.RemoteEndPoint;
                byte[] copy = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                lock (_lock)
                {
                    _toServer.Add(copy);
                }

                if (Forwarding)
                {
                    await Upstream.SendToAsync(copy, SocketFlags.None, _target, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task UpstreamLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await Upstream.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                byte[] copy = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                lock (_lock)
                {
                    _toClient.Add(copy);
                }

                if (Forwarding && _client is { } client)
                {
                    await _front.SendToAsync(copy, SocketFlags.None, client, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
