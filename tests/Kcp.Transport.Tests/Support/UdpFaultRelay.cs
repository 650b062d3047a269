using System.Buffers;
using System.Diagnostics;
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

    /// <summary>Told of every datagram's fate: (toServer, length, what the relay did with it). Called under the relay's lock.</summary>
    public Action<bool, int, string>? Trace { get; init; }
}

/// <summary>
/// A UDP relay on loopback between KCP peers that drops (randomly or in Gilbert–Elliott bursts), delays, reorders,
/// duplicates, corrupts, truncates and rate-limits datagrams, reproducibly for a seed. Tests use it in process;
/// `kcpcat relay` exposes it on the command line. Clients send to <see cref="EndPoint"/>; each client gets its own upstream socket so the
/// server sees one address per client.
/// </summary>
/// <remarks>
/// The relay must not lose what the seed did not decide to lose: its sockets get 4 MB buffers (the 208 KB default
/// overflowed under a 512-segment burst and silently added tens of percent of loss), each socket is read by its own
/// thread (no thread-pool hop per datagram, no starvation when many tests run at once), and delayed datagrams wait in
/// one due-time queue drained by one delivery thread instead of one timer per datagram.
/// </remarks>
internal sealed class UdpFaultRelay : IAsyncDisposable
{
    private const int SocketBufferSize = 4 * 1024 * 1024;
    private const int MaxDatagram = 65536;
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _front;
    private readonly SocketAddress _targetAddress;
    private readonly IPAddress _targetIp;
    private readonly AddressFamily _family;
    private readonly RelayFaults _faults;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly Dictionary<SocketAddress, Upstream> _upstreams = [];
    private readonly List<Thread> _threads = [];
    private readonly DelayQueue? _delays;
    private volatile bool _stopped;
    private bool _bad;
    private long _forwarded;
    private long _dropped;
    private long _duplicated;
    private long _corrupted;
    private long _truncated;
    private long _linkFreeAt;
    private long _toServer;
    private long _toClient;

    public UdpFaultRelay(IPEndPoint target, RelayFaults faults, int seed, IPEndPoint? listen = null)
    {
        _family = target.AddressFamily;
        _targetAddress = target.Serialize();
        _targetIp = target.Address;
        _faults = faults;
        _random = new Random(seed);
        _front = NewSocket(listen ?? new IPEndPoint(target.Address, 0));
        EndPoint = (IPEndPoint)_front.LocalEndPoint!;
        if (faults.DelayMs > 0 || faults.JitterMs > 0 || faults.BandwidthBytesPerSecond > 0)
        {
            _delays = new DelayQueue(Send);
            StartThread(_delays.Run, "relay delivery");
        }

        StartThread(() => ReceiveLoop(_front, upstream: null), "relay front");
    }

    public IPEndPoint EndPoint { get; }

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long Corrupted => Interlocked.Read(ref _corrupted);

    public long Truncated => Interlocked.Read(ref _truncated);

    private Socket NewSocket(IPEndPoint bind)
    {
        var socket = new Socket(_family, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = SocketBufferSize,
            SendBufferSize = SocketBufferSize,
        };
        socket.Bind(bind);
        return socket;
    }

    private void StartThread(ThreadStart loop, string name)
    {
        var thread = new Thread(loop) { IsBackground = true, Name = name };
        lock (_lock)
        {
            _threads.Add(thread);
        }

        thread.Start();
    }

    /// <summary>Reads one socket: the front (from clients, <paramref name="upstream"/> null) or a client's upstream (from the server).</summary>
    private void ReceiveLoop(Socket socket, Upstream? upstream)
    {
        byte[] buffer = new byte[MaxDatagram];
        var from = new SocketAddress(_family);
        while (!_stopped)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopped)
                {
                    return;
                }

                continue;
            }

            if (upstream is null)
            {
                Upstream? client = GetUpstream(from);
                if (client is not null)
                {
                    Forward(toServer: true, client.Socket, _targetAddress, buffer.AsSpan(0, n));
                }
            }
            else
            {
                Forward(toServer: false, _front, upstream.Client, buffer.AsSpan(0, n));
            }
        }
    }

    private Upstream? GetUpstream(SocketAddress client)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return null;
            }

            if (!_upstreams.TryGetValue(client, out Upstream? upstream))
            {
                // The receive loop reuses its address object: the key must be a copy.
                var key = new SocketAddress(client.Family, client.Size);
                client.Buffer.Span[..client.Size].CopyTo(key.Buffer.Span);
                upstream = new Upstream(NewSocket(new IPEndPoint(_targetIp, 0)), key);
                _upstreams[key] = upstream;
                StartThread(() => ReceiveLoop(upstream.Socket, upstream), "relay upstream");
            }

            return upstream;
        }
    }

    private void Forward(bool toServer, Socket socket, SocketAddress destination, ReadOnlySpan<byte> received)
    {
        int copies;
        long due;
        byte[] datagram;
        int length = received.Length;
        lock (_lock)
        {
            if (_faults.DropWhen?.Invoke(toServer, toServer ? _toServer++ : _toClient++) == true
                || _faults.DropDatagram?.Invoke(toServer, received.ToArray()) == true)
            {
                Interlocked.Increment(ref _dropped);
                _faults.Trace?.Invoke(toServer, length, "dropped by rule");
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
                _faults.Trace?.Invoke(toServer, length, "lost");
                return;
            }

            // A pooled copy: the receive buffer is reused at once and a delayed datagram outlives it.
            datagram = ArrayPool<byte>.Shared.Rent(length);
            received.CopyTo(datagram);
            if (_random.NextDouble() < _faults.Corrupt)
            {
                int bit = _random.Next(length * 8);
                datagram[bit / 8] ^= (byte)(1 << (bit % 8));
                Interlocked.Increment(ref _corrupted);
            }

            if (length > 1 && _random.NextDouble() < _faults.Truncate)
            {
                length = _random.Next(1, length);
                Interlocked.Increment(ref _truncated);
            }

            copies = _random.NextDouble() < _faults.Duplicate ? 2 : 1;
            int delayMs = _faults.DelayMs + (_faults.JitterMs > 0 ? _random.Next(_faults.JitterMs) : 0);
            long now = Stopwatch.GetTimestamp();
            due = now + (delayMs * Stopwatch.Frequency / 1000);
            if (_faults.BandwidthBytesPerSecond > 0)
            {
                // A single queue drained at the link rate: wait for it, or drop when it is 200 ms deep.
                long start = Math.Max(now, _linkFreeAt);
                if (start - now > Stopwatch.Frequency / 5)
                {
                    ArrayPool<byte>.Shared.Return(datagram);
                    Interlocked.Increment(ref _dropped);
                    _faults.Trace?.Invoke(toServer, length, "over the link rate");
                    return;
                }

                _linkFreeAt = start + (length * Stopwatch.Frequency / _faults.BandwidthBytesPerSecond);
                due += _linkFreeAt - now;
            }

            _faults.Trace?.Invoke(toServer, length, copies == 2 ? $"forwarded twice, {delayMs} ms" : $"forwarded, {delayMs} ms");
        }

        if (copies == 2)
        {
            Interlocked.Increment(ref _duplicated);
        }

        var pending = new Datagram(socket, destination, datagram, length, copies);
        if (_delays is null)
        {
            Send(pending);
        }
        else
        {
            _delays.Add(pending, due);
        }
    }

    private void Send(Datagram pending)
    {
        for (int i = 0; i < pending.Copies; i++)
        {
            try
            {
                pending.Socket.SendTo(pending.Buffer.AsSpan(0, pending.Length), SocketFlags.None, pending.Destination);
                Interlocked.Increment(ref _forwarded);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        ArrayPool<byte>.Shared.Return(pending.Buffer);
    }

    public ValueTask DisposeAsync()
    {
        Thread[] threads;
        lock (_lock)
        {
            _stopped = true;
            _front.Dispose();
            foreach (Upstream upstream in _upstreams.Values)
            {
                upstream.Socket.Dispose();
            }

            threads = [.. _threads];
        }

        _delays?.Stop();
        foreach (Thread thread in threads)
        {
            // Closing a socket wakes its blocked reader; the bound only guards against a platform that would not.
            thread.Join(JoinTimeout);
        }

        return ValueTask.CompletedTask;
    }

    private sealed record Upstream(Socket Socket, SocketAddress Client);

    /// <summary>A datagram on its way: sent <see cref="Copies"/> times, then its pooled buffer goes back.</summary>
    private sealed record Datagram(Socket Socket, SocketAddress Destination, byte[] Buffer, int Length, int Copies);

    /// <summary>
    /// Delayed datagrams ordered by due time (then arrival, so equal delays keep their order), sent by one thread that
    /// sleeps until the earliest is due and is woken only when a new datagram becomes the earliest.
    /// </summary>
    private sealed class DelayQueue(Action<Datagram> send)
    {
        private readonly object _gate = new(); // Monitor.Wait/Pulse need an object, not a Lock
        private readonly PriorityQueue<Datagram, (long Due, long Order)> _queue = new();
        private long _order;
        private bool _stopped;

        public void Add(Datagram datagram, long due)
        {
            lock (_gate)
            {
                bool earliest = !_queue.TryPeek(out _, out (long Due, long Order) head) || due < head.Due;
                _queue.Enqueue(datagram, (due, _order++));
                if (earliest)
                {
                    Monitor.Pulse(_gate);
                }
            }
        }

        public void Stop()
        {
            lock (_gate)
            {
                _stopped = true;
                Monitor.Pulse(_gate);
            }
        }

        public void Run()
        {
            var ready = new List<Datagram>();
            while (true)
            {
                lock (_gate)
                {
                    while (ready.Count == 0)
                    {
                        if (_stopped)
                        {
                            return;
                        }

                        long now = Stopwatch.GetTimestamp();
                        while (_queue.TryPeek(out Datagram? next, out (long Due, long Order) at) && at.Due <= now)
                        {
                            ready.Add(next);
                            _queue.Dequeue();
                        }

                        if (ready.Count == 0)
                        {
                            // Round the wait up to whole milliseconds: early wake-ups would only spin.
                            int wait = _queue.TryPeek(out _, out (long Due, long Order) first)
                                ? (int)Math.Max(1, ((first.Due - now) * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency)
                                : Timeout.Infinite;
                            Monitor.Wait(_gate, wait);
                        }
                    }
                }

                foreach (Datagram datagram in ready)
                {
                    send(datagram);
                }

                ready.Clear();
            }
        }
    }
}
