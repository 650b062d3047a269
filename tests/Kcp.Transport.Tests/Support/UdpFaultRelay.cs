using System.Net;
using System.Net.Sockets;

namespace Kcp.Transport.Tests.Support;

/// <summary>Faults a <see cref="UdpFaultRelay"/> injects, each direction alike, from one seeded random source.</summary>
internal sealed record RelayFaults
{
    /// <summary>Independent loss probability per datagram.</summary>
    public double Loss { get; init; }

    /// <summary>Gilbert–Elliott: probability of entering the bad state per datagram (0 = no bursts).</summary>
    public double BurstEnter { get; init; }

    /// <summary>Gilbert–Elliott: probability of leaving the bad state per datagram.</summary>
    public double BurstExit { get; init; } = 0.5;

    /// <summary>Loss probability while in the bad state.</summary>
    public double BurstLoss { get; init; } = 1.0;

    /// <summary>Fixed one-way delay in milliseconds.</summary>
    public int DelayMs { get; init; }

    /// <summary>Uniform extra delay in [0, JitterMs) ms: reorders datagrams.</summary>
    public int JitterMs { get; init; }

    /// <summary>Probability of sending a datagram twice.</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability of flipping one random bit.</summary>
    public double Corrupt { get; init; }

    /// <summary>Probability of cutting a datagram short at a random length.</summary>
    public double Truncate { get; init; }

    /// <summary>Link rate in bytes per second (0 = unlimited); datagrams queued more than 200 ms are dropped.</summary>
    public long BandwidthBytesPerSecond { get; init; }

    /// <summary>Deterministic loss: (toServer, index of the datagram in that direction from 0) returns true to drop it.</summary>
    public Func<bool, long, bool>? DropWhen { get; init; }

    /// <summary>Deterministic loss by content: (toServer, datagram as received) returns true to drop it.</summary>
    public Func<bool, byte[], bool>? DropDatagram { get; init; }
}

/// <summary>
/// A UDP relay on loopback between KCP peers that drops (randomly or in Gilbert–Elliott bursts), delays, reorders,
/// duplicates, corrupts, truncates and rate-limits datagrams, reproducibly for a seed. Tests use it in process;
/// `kcpcat relay` exposes it on the command line. Clients send to <see cref="EndPoint"/>; each client gets its own upstream socket so the
/// server sees one address per client.
/// </summary>
internal sealed class UdpFaultRelay : IAsyncDisposable
{
    private readonly Socket _front;
    private readonly IPEndPoint _target;
    private readonly RelayFaults _faults;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly Dictionary<EndPoint, Socket> _upstreams = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private bool _bad;
    private long _forwarded;
    private long _dropped;
    private long _duplicated;
    private long _corrupted;
    private long _truncated;
    private long _linkFreeAtTicks;
    private long _toServer;
    private long _toClient;

    public UdpFaultRelay(IPEndPoint target, RelayFaults faults, int seed, IPEndPoint? listen = null)
    {
        _target = target;
        _faults = faults;
        _random = new Random(seed);
        _front = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _front.Bind(listen ?? new IPEndPoint(target.Address, 0));
        EndPoint = (IPEndPoint)_front.LocalEndPoint!;
        _loops.Add(Task.Run(FrontLoopAsync));
    }

    public IPEndPoint EndPoint { get; }

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long Corrupted => Interlocked.Read(ref _corrupted);

    public long Truncated => Interlocked.Read(ref _truncated);

    private async Task FrontLoopAsync()
    {
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _front.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(_target.Address, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            Socket upstream = GetUpstream(received.RemoteEndPoint);
            Forward(upstream, buffer.AsSpan(0, received.ReceivedBytes).ToArray(), _target);
        }
    }

    private Socket GetUpstream(EndPoint client)
    {
        lock (_lock)
        {
            if (!_upstreams.TryGetValue(client, out Socket? upstream))
            {
                upstream = new Socket(_target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                upstream.Bind(new IPEndPoint(_target.Address, 0));
                _upstreams[client] = upstream;
                _loops.Add(Task.Run(() => UpstreamLoopAsync(upstream, client)));
            }

            return upstream;
        }
    }

    private async Task UpstreamLoopAsync(Socket upstream, EndPoint client)
    {
        var buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await upstream.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            Forward(_front, buffer.AsSpan(0, n).ToArray(), client);
        }
    }

    private void Forward(Socket socket, byte[] datagram, EndPoint destination)
    {
        int copies;
        int delay;
        lock (_lock)
        {
            bool toServer = !ReferenceEquals(socket, _front);
            if (_faults.DropWhen?.Invoke(toServer, toServer ? _toServer++ : _toClient++) == true
                || _faults.DropDatagram?.Invoke(toServer, datagram) == true)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            if (_faults.BurstEnter > 0)
            {
                _bad = _bad ? _random.NextDouble() >= _faults.BurstExit : _random.NextDouble() < _faults.BurstEnter;
            }

            double loss = _bad ? _faults.BurstLoss : _faults.Loss;
            if (_random.NextDouble() < loss)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            if (_random.NextDouble() < _faults.Corrupt)
            {
                int bit = _random.Next(datagram.Length * 8);
                datagram[bit / 8] ^= (byte)(1 << (bit % 8));
                Interlocked.Increment(ref _corrupted);
            }

            if (datagram.Length > 1 && _random.NextDouble() < _faults.Truncate)
            {
                Array.Resize(ref datagram, _random.Next(1, datagram.Length));
                Interlocked.Increment(ref _truncated);
            }

            copies = _random.NextDouble() < _faults.Duplicate ? 2 : 1;
            delay = _faults.DelayMs + (_faults.JitterMs > 0 ? _random.Next(_faults.JitterMs) : 0);
            if (_faults.BandwidthBytesPerSecond > 0)
            {
                // A single queue drained at the link rate: wait for it, or drop when it is 200 ms deep.
                long now = Environment.TickCount64 * TimeSpan.TicksPerMillisecond;
                long start = Math.Max(now, _linkFreeAtTicks);
                if (start - now > 200 * TimeSpan.TicksPerMillisecond)
                {
                    Interlocked.Increment(ref _dropped);
                    return;
                }

                _linkFreeAtTicks = start + (datagram.Length * TimeSpan.TicksPerSecond / _faults.BandwidthBytesPerSecond);
                delay += (int)((_linkFreeAtTicks - now) / TimeSpan.TicksPerMillisecond);
            }
        }

        if (copies == 2)
        {
            Interlocked.Increment(ref _duplicated);
        }

        for (int i = 0; i < copies; i++)
        {
            if (delay == 0)
            {
                Send(socket, datagram, destination);
            }
            else
            {
                _ = Task.Delay(delay, _stop.Token).ContinueWith(
                    _ => Send(socket, datagram, destination), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
        }
    }

    private void Send(Socket socket, byte[] datagram, EndPoint destination)
    {
        try
        {
            socket.SendTo(datagram, destination);
            Interlocked.Increment(ref _forwarded);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _front.Dispose();
        lock (_lock)
        {
            foreach (Socket upstream in _upstreams.Values)
            {
                upstream.Dispose();
            }
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        _stop.Dispose();
    }
}
