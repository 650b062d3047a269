namespace Kcp.LinkEmulator.Link;

/// <summary>One direction's counters; the forwarding thread writes them, anyone reads them.</summary>
internal sealed class LinkCounters
{
    private long _packetsIn;
    private long _bytesIn;
    private long _lost;
    private long _queueDropped;
    private long _packetsOut;
    private long _bytesOut;

    public long PacketsIn => Volatile.Read(ref _packetsIn);

    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Dropped by the loss model.</summary>
    public long Lost => Volatile.Read(ref _lost);

    /// <summary>Dropped because the bottleneck queue or the packet slots were full.</summary>
    public long QueueDropped => Volatile.Read(ref _queueDropped);

    public long PacketsOut => Volatile.Read(ref _packetsOut);

    /// <summary>IP bytes delivered to the other side: what the link carried.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    public LinkCountersSnapshot Snapshot() => new(PacketsIn, BytesIn, Lost, QueueDropped, PacketsOut, BytesOut);

    internal void In(int bytes)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, bytes);
    }

    internal void Out(int bytes)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, bytes);
    }

    internal void CountLost() => Interlocked.Increment(ref _lost);

    internal void CountQueueDropped() => Interlocked.Increment(ref _queueDropped);
}

/// <summary>Counters at one moment; subtract two to measure one run.</summary>
internal readonly record struct LinkCountersSnapshot(long PacketsIn, long BytesIn, long Lost, long QueueDropped, long PacketsOut, long BytesOut)
{
    public static LinkCountersSnapshot operator -(LinkCountersSnapshot a, LinkCountersSnapshot b) => new(
        a.PacketsIn - b.PacketsIn, a.BytesIn - b.BytesIn, a.Lost - b.Lost, a.QueueDropped - b.QueueDropped,
        a.PacketsOut - b.PacketsOut, a.BytesOut - b.BytesOut);

    public static LinkCountersSnapshot operator +(LinkCountersSnapshot a, LinkCountersSnapshot b) => new(
        a.PacketsIn + b.PacketsIn, a.BytesIn + b.BytesIn, a.Lost + b.Lost, a.QueueDropped + b.QueueDropped,
        a.PacketsOut + b.PacketsOut, a.BytesOut + b.BytesOut);

    /// <summary>Share of the packets in that the loss model dropped.</summary>
    public double LossRate => PacketsIn == 0 ? 0 : (double)Lost / PacketsIn;
}
