using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>
/// Two control blocks joined by a deterministic, seeded, lossy channel, driven by a virtual millisecond clock. No real
/// time and no threads: <see cref="Tick"/> advances the clock by 1 ms, delivers due datagrams and runs due flushes.
/// The link itself allocates nothing in steady state (pooled packets), so allocation tests can run over it.
/// </summary>
internal sealed class SimulatedLink : IDisposable
{
    private readonly Direction _toB;
    private readonly Direction _toA;
    private long _ticks;
    private long _nextFlushA;
    private long _nextFlushB;

    public SimulatedLink(SimulatedLinkOptions options, uint conv = 0x11223344)
    {
        Options = options;
        var random = new Random(options.Seed);
        _toB = new Direction(this, random);
        _toA = new Direction(this, random);
        A = new KcpControlBlock(conv, _toB);
        B = new KcpControlBlock(conv, _toA);
        _toB.Source = A;
        _toB.Target = B;
        _toA.Source = B;
        _toA.Target = A;
    }

    public SimulatedLinkOptions Options { get; }

    public KcpControlBlock A { get; }

    public KcpControlBlock B { get; }

    /// <summary>Datagrams A sent (and what happened to them).</summary>
    public Direction AToB => _toB;

    /// <summary>Datagrams B sent.</summary>
    public Direction BToA => _toA;

    /// <summary>Input with ackNoDelay (kcp-go's SetACKNoDelay).</summary>
    public bool AckNoDelay { get; set; }

    /// <summary>Current engine clock.</summary>
    public uint Now => unchecked(Options.StartTime + (uint)_ticks);

    public long ElapsedMs => _ticks;

    /// <summary>Advances 1 ms: delivers due datagrams, then runs the flushes that are due.</summary>
    public void Tick()
    {
        _ticks++;
        _toB.DeliverDue(_ticks);
        _toA.DeliverDue(_ticks);
        if (_ticks >= _nextFlushA)
        {
            _nextFlushA = _ticks + A.Flush(Now, ackOnly: false);
        }

        if (_ticks >= _nextFlushB)
        {
            _nextFlushB = _ticks + B.Flush(Now, ackOnly: false);
        }
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }

    internal sealed class Packet
    {
        public readonly byte[] Data = new byte[1500];
        public int Length;
    }

    /// <summary>One direction of the link: the sending engine's output sink and the in-flight datagrams.</summary>
    internal sealed class Direction : IKcpOutputSink
    {
        private readonly SimulatedLink _link;
        private readonly Random _random;
        private readonly PriorityQueue<Packet, long> _inFlight = new(256);
        private readonly Stack<Packet> _free = new(256);
        private long _sequence;
        private bool _bad;

        public Direction(SimulatedLink link, Random random)
        {
            _link = link;
            _random = random;
        }

        public KcpControlBlock Source { get; set; } = null!;

        public KcpControlBlock Target { get; set; } = null!;

        public long Sent { get; private set; }

        public long Dropped { get; private set; }

        public long Duplicated { get; private set; }

        public long LargestDatagram { get; private set; }

        public long WindowAsks { get; private set; }

        public long WindowTells { get; private set; }

        /// <summary>Stops delivery entirely (everything sent is lost) while true.</summary>
        public bool Blackhole { get; set; }

        public void Output(Span<byte> datagram)
        {
            Sent++;
            LargestDatagram = Math.Max(LargestDatagram, datagram.Length);
            CountControlSegments(datagram[Source.Reserved..]);
            if (Blackhole || IsLost())
            {
                Dropped++;
                return;
            }

            Enqueue(datagram);
            if (_link.Options.DuplicateRate > 0 && _random.NextDouble() < _link.Options.DuplicateRate)
            {
                Duplicated++;
                Enqueue(datagram);
            }
        }

        public void DeliverDue(long ticks)
        {
            while (_inFlight.TryPeek(out var packet, out long key) && key / 1_000_000 <= ticks)
            {
                _inFlight.Dequeue();
                int rc = Target.Input(packet.Data.AsSpan(0, packet.Length), regular: true, _link.AckNoDelay, _link.Now);
                if (rc != 0)
                {
                    throw new InvalidOperationException($"Input failed with {rc}");
                }

                _free.Push(packet);
            }
        }

        private bool IsLost()
        {
            var o = _link.Options;
            if (o.BurstEnterRate > 0)
            {
                if (_bad)
                {
                    _bad = _random.NextDouble() >= o.BurstExitRate;
                }
                else
                {
                    _bad = _random.NextDouble() < o.BurstEnterRate;
                }

                if (_bad)
                {
                    return _random.NextDouble() < o.BurstLossRate;
                }
            }

            return o.LossRate > 0 && _random.NextDouble() < o.LossRate;
        }

        private void Enqueue(Span<byte> datagram)
        {
            var o = _link.Options;
            long delay = o.DelayMs;
            if (o.JitterMs > 0)
            {
                delay += _random.Next(o.JitterMs + 1);
            }

            if (o.ReorderRate > 0 && _random.NextDouble() < o.ReorderRate)
            {
                delay += o.ReorderDelayMs;
            }

            var packet = _free.Count > 0 ? _free.Pop() : new Packet();
            datagram.CopyTo(packet.Data);
            packet.Length = datagram.Length;

            // Key = due tick, then send order: equal-time datagrams keep FIFO order unless reordering delayed them.
            _inFlight.Enqueue(packet, ((_link._ticks + Math.Max(delay, 1)) * 1_000_000) + (_sequence++ % 1_000_000));
        }

        private void CountControlSegments(ReadOnlySpan<byte> part)
        {
            while (part.Length >= KcpSegmentHeader.Size)
            {
                var header = KcpSegmentHeader.Read(part);
                if (header.Command == KcpCommand.WindowAsk)
                {
                    WindowAsks++;
                }
                else if (header.Command == KcpCommand.WindowTell)
                {
                    WindowTells++;
                }

                part = part[(KcpSegmentHeader.Size + (int)header.Length)..];
            }
        }
    }
}
