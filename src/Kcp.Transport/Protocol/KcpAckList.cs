namespace Kcp.Transport.Protocol;

/// <summary>Pending ACKs as (sn, ts) pairs in arrival order; flushed and cleared by every flush.</summary>
internal sealed class KcpAckList
{
    private uint[] _sn = new uint[32];
    private uint[] _ts = new uint[32];
    private int _count;
    private int _lastFresh = -1;

    /// <summary>Number of pending ACKs.</summary>
    public int Count => _count;

    /// <summary>Sequence number of entry <paramref name="index"/>.</summary>
    public uint SequenceNumberAt(int index) => _sn[index];

    /// <summary>Timestamp to echo for entry <paramref name="index"/>.</summary>
    public uint TimestampAt(int index) => _ts[index];

    /// <summary>
    /// The entry a flush keeps of those below rcv_nxt (their una covers the rest): the last first arrival, or the last
    /// entry when all acknowledge duplicates. The peer takes its RTT sample from the ACK it can match to a send time,
    /// which a copy's or a stale retransmission's echo may not be.
    /// </summary>
    public int RepresentativeIndex => _lastFresh >= 0 ? _lastFresh : _count - 1;

    /// <summary>Queues an ACK for <paramref name="sn"/> echoing <paramref name="ts"/>; <paramref name="duplicate"/>: the segment had arrived before.</summary>
    public void Add(uint sn, uint ts, bool duplicate)
    {
        if (_count == _sn.Length)
        {
            Array.Resize(ref _sn, _count * 2);
            Array.Resize(ref _ts, _count * 2);
        }

        if (!duplicate)
        {
            _lastFresh = _count;
        }

        _sn[_count] = sn;
        _ts[_count] = ts;
        _count++;
    }

    /// <summary>Forgets all entries (storage is kept).</summary>
    public void Clear()
    {
        _count = 0;
        _lastFresh = -1;
    }
}
