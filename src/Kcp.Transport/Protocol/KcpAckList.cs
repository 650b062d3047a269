namespace Kcp.Transport.Protocol;

/// <summary>Pending ACKs as (sn, ts) pairs in arrival order; flushed and cleared by every flush.</summary>
internal sealed class KcpAckList
{
    private uint[] _sn = new uint[32];
    private uint[] _ts = new uint[32];
    private int _count;

    /// <summary>Number of pending ACKs.</summary>
    public int Count => _count;

    /// <summary>Sequence number of entry <paramref name="index"/>.</summary>
    public uint SequenceNumberAt(int index) => _sn[index];

    /// <summary>Timestamp to echo for entry <paramref name="index"/>.</summary>
    public uint TimestampAt(int index) => _ts[index];

    /// <summary>Queues an ACK for <paramref name="sn"/> echoing <paramref name="ts"/>.</summary>
    public void Add(uint sn, uint ts)
    {
        if (_count == _sn.Length)
        {
            Array.Resize(ref _sn, _count * 2);
            Array.Resize(ref _ts, _count * 2);
        }

        _sn[_count] = sn;
        _ts[_count] = ts;
        _count++;
    }

    /// <summary>Forgets all entries (storage is kept).</summary>
    public void Clear() => _count = 0;
}
