using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Kcp.Transport.Fec;

/// <summary>
/// kcp-go compatible FEC receiver: collects the shards of each group and rebuilds lost data shards once any
/// <c>dataShards</c> of the group's <c>dataShards + parityShards</c> shards arrived (kcp-wire.md §3.4–3.6).
/// </summary>
/// <remarks>
/// Data shards reach KCP through the caller, not through this class; only rebuilt ones go to the sink. Groups are keyed
/// by <c>seqid / (ds+ps)</c>, the group-relative position is <c>seqid mod (ds+ps)</c>. At most <see cref="MaxGroups"/>
/// groups are kept, like upstream's 3-set horizon behind the newest set, and shard buffers are recycled, so memory is
/// bounded and steady-state decoding allocates nothing. Not thread-safe and not re-entrant.
/// </remarks>
internal sealed class FecDecoder : IDisposable
{
    /// <summary>Groups in flight: the newest and the three before it.</summary>
    public const int MaxGroups = 4;

    private readonly FecAutoTune _autoTune = new();
    private ReedSolomon _codec;
    private int _totalShards;
    private uint _groupCount;
    private uint _paws;
    private Group[] _groups;
    private byte[][] _free = [];
    private int _freeCount;
    private FecDecoderCounters _counters;
    private bool _disposed;

    /// <summary>Creates a decoder for groups of <paramref name="dataShards"/> data and <paramref name="parityShards"/> parity shards.</summary>
    public FecDecoder(int dataShards, int parityShards)
    {
        Configure(new ReedSolomon(dataShards, parityShards));
    }

    public int DataShards => _codec.DataShards;

    public int ParityShards => _codec.ParityShards;

    /// <summary>A snapshot of the counters.</summary>
    public FecDecoderCounters Counters => _counters;

    /// <summary>
    /// Takes one FEC packet (starting at its FEC header, after crypto) and calls <paramref name="sink"/> for every data
    /// shard it allows to rebuild. Malformed input is counted, never thrown.
    /// </summary>
    public void Decode<TSink>(ReadOnlySpan<byte> packet, uint nowMs, ref TSink sink)
        where TSink : IFecRecoveredSink, allows ref struct
    {
        if (!FecHeader.TryRead(packet, out FecHeader header))
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _counters.Malformed++;
            return;
        }

        Decode(header, packet, nowMs, ref sink);
    }

    /// <summary>
    /// As <see cref="Decode{TSink}(ReadOnlySpan{byte}, uint, ref TSink)"/> for a packet whose <paramref name="header"/>
    /// was already read where the datagram was classified.
    /// </summary>
    public void Decode<TSink>(in FecHeader header, ReadOnlySpan<byte> packet, uint nowMs, ref TSink sink)
        where TSink : IFecRecoveredSink, allows ref struct
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (packet.Length < FecPacket.HeaderSizePlus2 || packet.Length > FecPacket.MaxDatagramSize)
        {
            _counters.Malformed++;
            return;
        }

        uint seqId = header.SeqId;
        bool isData = header.IsData;
        _autoTune.Sample(isData, seqId);

        // A type that disagrees with the position means the peer groups differently: decoding it would corrupt the
        // group. Adopt the peer's shard counts once the samples show them (kcp-wire.md §3.7), else drop the shard.
        if (isData != (seqId % (uint)_totalShards < (uint)DataShards)
            && _autoTune.TryFindShardCounts(out int peerData, out int peerParity)
            && (peerData != DataShards || peerParity != ParityShards))
        {
            Reconfigure(peerData, peerParity);
        }

        int position = (int)(seqId % (uint)_totalShards);

        // seqid ≥ paws cannot come from a peer with our shard counts ([UP≥5.6.57] drops it too).
        if (seqId >= _paws || isData != (position < DataShards))
        {
            _counters.Malformed++;
            return;
        }

        if (!isData)
        {
            _counters.ParityShards++;
        }

        Expire(nowMs);

        uint groupIndex = seqId / (uint)_totalShards;
        Group? group = FindOrCreate(groupIndex, nowMs);
        if (group is null)
        {
            return;
        }

        if (group.Completed)
        {
            _counters.Late++;
            return;
        }

        if (group.Present[position])
        {
            _counters.Duplicates++;
            return;
        }

        byte[] buffer = RentShard();
        ReadOnlySpan<byte> shard = packet[FecPacket.HeaderSize..];
        shard.CopyTo(buffer);
        group.Shards[position] = buffer;
        group.Lengths[position] = shard.Length;
        group.Present[position] = true;
        group.Count++;
        if (isData)
        {
            group.DataCount++;
        }

        if (group.DataCount == DataShards)
        {
            Complete(group);
        }
        else if (group.Count >= DataShards)
        {
            Recover(group, ref sink);
            Complete(group);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (Group group in _groups)
        {
            ReleaseShards(group);
        }

        for (int i = 0; i < _freeCount; i++)
        {
            ArrayPool<byte>.Shared.Return(_free[i]);
            _free[i] = null!;
        }

        _freeCount = 0;
    }

    [MemberNotNull(nameof(_codec), nameof(_groups))]
    private void Configure(ReedSolomon codec)
    {
        _codec = codec;
        _totalShards = codec.TotalShards;
        _paws = FecPacket.Paws(_totalShards);
        _groupCount = _paws / (uint)_totalShards;
        _groups = new Group[MaxGroups];
        for (int i = 0; i < _groups.Length; i++)
        {
            _groups[i] = new Group(_totalShards);
        }

        // Enough for every group in flight plus the rebuilt shards of one group.
        byte[][] free = new byte[(MaxGroups + 1) * _totalShards][];
        int kept = 0;
        for (int i = 0; i < _freeCount; i++)
        {
            if (kept < free.Length)
            {
                free[kept++] = _free[i];
            }
            else
            {
                ArrayPool<byte>.Shared.Return(_free[i]);
            }
        }

        _free = free;
        _freeCount = kept;
    }

    // Pending groups were collected under the old grouping and cannot be decoded; upstream drops them as well.
    private void Reconfigure(int dataShards, int parityShards)
    {
        foreach (Group group in _groups)
        {
            Evict(group);
        }

        Configure(new ReedSolomon(dataShards, parityShards));
        _counters.Retunes++;
    }

    private void Recover<TSink>(Group group, ref TSink sink)
        where TSink : IFecRecoveredSink, allows ref struct
    {
        // Shards are coded zero-padded to the longest datagram of the group; that length is the longest shard here.
        int length = 0;
        for (int i = 0; i < _totalShards; i++)
        {
            if (group.Present[i])
            {
                length = Math.Max(length, group.Lengths[i]);
            }
        }

        for (int i = 0; i < _totalShards; i++)
        {
            if (group.Present[i])
            {
                group.Shards[i].AsSpan(group.Lengths[i], length - group.Lengths[i]).Clear();
            }
            else if (i < DataShards)
            {
                group.Shards[i] = RentShard();
            }
        }

        if (!_codec.ReconstructData(group.Shards!, group.Present, 0, length))
        {
            _counters.Errors++;
            return;
        }

        for (int i = 0; i < DataShards; i++)
        {
            if (group.Present[i])
            {
                continue;
            }

            // A wrong size means the group mixed shards of different origins; kcp-go counts it and drops the shard.
            ReadOnlySpan<byte> rebuilt = group.Shards[i].AsSpan(0, length);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(rebuilt);
            if (size < FecPacket.SizeFieldSize || size > length)
            {
                _counters.Errors++;
                continue;
            }

            _counters.Recovered++;
            sink.OnRecovered(rebuilt[FecPacket.SizeFieldSize..size]);
        }
    }

    private Group? FindOrCreate(uint groupIndex, uint nowMs)
    {
        Group? free = null;
        Group? oldest = null;
        Group? newest = null;
        foreach (Group group in _groups)
        {
            if (!group.InUse)
            {
                free ??= group;
                continue;
            }

            if (group.Index == groupIndex)
            {
                return group;
            }

            if (oldest is null || GroupDistance(group.Index, oldest.Index) < 0)
            {
                oldest = group;
            }

            if (newest is null || GroupDistance(group.Index, newest.Index) > 0)
            {
                newest = group;
            }
        }

        // Behind the horizon, or older than everything kept while no slot is free: kcp-go would discard it as well.
        if ((newest is not null && GroupDistance(groupIndex, newest.Index) <= -MaxGroups)
            || (free is null && GroupDistance(groupIndex, oldest!.Index) < 0))
        {
            _counters.Stale++;
            return null;
        }

        if (newest is null || GroupDistance(groupIndex, newest.Index) > 0)
        {
            // A new newest group moves the horizon: groups that fell behind it will never be completed.
            foreach (Group group in _groups)
            {
                if (group.InUse && GroupDistance(groupIndex, group.Index) >= MaxGroups)
                {
                    Evict(group);
                    free ??= group;
                }
            }
        }

        if (free is null)
        {
            Evict(oldest!);
            free = oldest!;
        }

        free.InUse = true;
        free.Completed = false;
        free.Index = groupIndex;
        free.CreatedMs = nowMs;
        return free;
    }

    private void Expire(uint nowMs)
    {
        foreach (Group group in _groups)
        {
            if (group.InUse && unchecked((int)(nowMs - group.CreatedMs)) > FecPacket.ExpireMilliseconds)
            {
                Evict(group);
            }
        }
    }

    private void Evict(Group group)
    {
        if (!group.Completed && group.DataCount > 0)
        {
            _counters.ShortShards++;
        }

        ReleaseShards(group);
        group.InUse = false;
        group.Completed = false;
    }

    // Keeps the slot as a marker so shards arriving after completion are recognised instead of starting a new group.
    private void Complete(Group group)
    {
        ReleaseShards(group);
        group.Completed = true;
    }

    private void ReleaseShards(Group group)
    {
        for (int i = 0; i < group.Shards.Length; i++)
        {
            if (group.Shards[i] is { } buffer)
            {
                ReturnShard(buffer);
                group.Shards[i] = null;
            }

            group.Present[i] = false;
        }

        group.Count = 0;
        group.DataCount = 0;
    }

    private byte[] RentShard()
        => _freeCount > 0 ? _free[--_freeCount] : ArrayPool<byte>.Shared.Rent(FecPacket.MaxDatagramSize);

    private void ReturnShard(byte[] buffer)
    {
        if (_disposed || _freeCount == _free.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }

        _free[_freeCount++] = buffer;
    }

    // Signed distance a − b in groups on the ring of paws / (ds+ps) group indices, so ordering survives the seqid wrap.
    private int GroupDistance(uint a, uint b)
    {
        uint forward = a >= b ? a - b : a + (_groupCount - b);
        return forward <= _groupCount / 2 ? (int)forward : -(int)(_groupCount - forward);
    }

    private sealed class Group(int totalShards)
    {
        public byte[]?[] Shards { get; } = new byte[]?[totalShards];

        public bool[] Present { get; } = new bool[totalShards];

        public int[] Lengths { get; } = new int[totalShards];

        public uint Index { get; set; }

        public uint CreatedMs { get; set; }

        public bool InUse { get; set; }

        public bool Completed { get; set; }

        public int Count { get; set; }

        public int DataCount { get; set; }
    }
}
