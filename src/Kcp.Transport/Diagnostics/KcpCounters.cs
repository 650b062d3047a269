namespace Kcp.Transport.Diagnostics;

/// <summary>
/// Cumulative counters of one listener or one client socket, named after kcp-go's SNMP counters. Written with
/// interlocked increments from the receive loops and the scheduler; read by snapshots and metrics.
/// </summary>
internal sealed class KcpCounters
{
    private long _inPackets;
    private long _outPackets;
    private long _inBytes;
    private long _outBytes;
    private long _inErrors;
    private long _inChecksumErrors;
    private long _kcpInErrors;
    private long _activeOpens;
    private long _passiveOpens;
    private long _currentEstablished;
    private readonly long[] _drops = new long[Enum.GetValues<PacketDropReason>().Length];

    public long InPackets => Volatile.Read(ref _inPackets);
    public long OutPackets => Volatile.Read(ref _outPackets);
    public long InBytes => Volatile.Read(ref _inBytes);
    public long OutBytes => Volatile.Read(ref _outBytes);
    public long InErrors => Volatile.Read(ref _inErrors);
    public long InChecksumErrors => Volatile.Read(ref _inChecksumErrors);
    public long KcpInErrors => Volatile.Read(ref _kcpInErrors);
    public long ActiveOpens => Volatile.Read(ref _activeOpens);
    public long PassiveOpens => Volatile.Read(ref _passiveOpens);
    public long CurrentEstablished => Volatile.Read(ref _currentEstablished);

    public long Dropped(PacketDropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public long DroppedTotal
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                sum += Volatile.Read(ref _drops[i]);
            }

            return sum;
        }
    }

    public void OnReceived(int bytes)
    {
        Interlocked.Increment(ref _inPackets);
        Interlocked.Add(ref _inBytes, bytes);
    }

    public void OnSent(int bytes)
    {
        Interlocked.Increment(ref _outPackets);
        Interlocked.Add(ref _outBytes, bytes);
    }

    public void OnDropped(PacketDropReason reason)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        switch (reason)
        {
            case PacketDropReason.BadChecksum:
                Interlocked.Increment(ref _inChecksumErrors);
                break;
            case PacketDropReason.Malformed:
                Interlocked.Increment(ref _kcpInErrors);
                break;
            case PacketDropReason.FecMalformed or PacketDropReason.UnexpectedSource:
                Interlocked.Increment(ref _inErrors);
                break;
        }
    }

    public void OnSessionOpened(bool passive)
    {
        Interlocked.Increment(ref passive ? ref _passiveOpens : ref _activeOpens);
        Interlocked.Increment(ref _currentEstablished);
    }

    public void OnSessionClosed() => Interlocked.Decrement(ref _currentEstablished);
}
