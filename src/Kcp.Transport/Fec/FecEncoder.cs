using System.Buffers.Binary;

namespace Kcp.Transport.Fec;

/// <summary>
/// kcp-go's FEC sender (kcp-wire.md §3.2): stamps the FEC header on each outgoing data datagram and, after every
/// <c>dataShards</c> datagrams, produces <c>parityShards</c> parity datagrams.
/// </summary>
/// <remarks>
/// Datagrams are full UDP payloads: <c>[0, headerOffset)</c> is crypto head-room owned by the caller, the FEC header
/// follows. Not thread-safe; one encoder per session.
/// </remarks>
internal sealed class FecEncoder : IDisposable
{
    private readonly ReedSolomon _codec;
    private readonly int _headerOffset;
    private readonly int _payloadOffset;
    private readonly uint _paws;

    // Shards 0..ds−1 keep a copy of each data datagram (head-room unused), shards ds.. are the parity datagrams.
    private readonly byte[][] _shards;
    private readonly int[] _dataLengths;
    private uint _next;
    private int _shardCount;
    private int _maxSize;
    private int _parityLength;
    private bool _disposed;

    /// <summary>Creates an encoder; <paramref name="headerOffset"/> is the crypto head-room before the FEC header (0, 20 or 12).</summary>
    public FecEncoder(int dataShards, int parityShards, int headerOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headerOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(headerOffset, FecPacket.MaxDatagramSize - FecPacket.HeaderSizePlus2);
        _codec = new ReedSolomon(dataShards, parityShards);
        _headerOffset = headerOffset;
        _payloadOffset = headerOffset + FecPacket.HeaderSize;
        _paws = FecPacket.Paws(_codec.TotalShards);
        _dataLengths = new int[dataShards];
        _shards = new byte[_codec.TotalShards][];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = ArrayPool<byte>.Shared.Rent(FecPacket.MaxDatagramSize);
        }
    }

    public int DataShards => _codec.DataShards;

    public int ParityShards => _codec.ParityShards;

    /// <summary>The seqid the next datagram gets. Settable only between groups (tests start near the wrap with it).</summary>
    internal uint NextSeqId
    {
        get => _next;
        set
        {
            if (_shardCount != 0 || value >= _paws || value % (uint)_codec.TotalShards != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Must start a group below paws, between groups.");
            }

            _next = value;
        }
    }

    /// <summary>
    /// Writes the FEC header (seqid, type 0xF1, size) at <c>headerOffset</c> of <paramref name="datagram"/> and keeps a
    /// copy of the shard.
    /// </summary>
    /// <returns>The number of parity datagrams now ready for <see cref="GetParity"/>: 0, or <c>parityShards</c>.</returns>
    public int Encode(Span<byte> datagram)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (datagram.Length < _headerOffset + FecPacket.HeaderSizePlus2 || datagram.Length > FecPacket.MaxDatagramSize)
        {
            throw new ArgumentException(
                $"A data datagram must be {_headerOffset + FecPacket.HeaderSizePlus2}..{FecPacket.MaxDatagramSize} bytes (was {datagram.Length}).",
                nameof(datagram));
        }

        _parityLength = 0;
        FecPacket.WriteHeader(datagram[_headerOffset..], NextId(), FecPacket.TypeData);

        // The size field counts itself: 2 + len(KCP part).
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[_payloadOffset..], (ushort)(datagram.Length - _payloadOffset));

        byte[] shard = _shards[_shardCount];
        datagram[_payloadOffset..].CopyTo(shard.AsSpan(_payloadOffset));
        _dataLengths[_shardCount] = datagram.Length;
        _maxSize = Math.Max(_maxSize, datagram.Length);
        _shardCount++;

        if (_shardCount < DataShards)
        {
            return 0;
        }

        // Shorter data shards are coded as if zero-padded to the longest datagram of the group.
        for (int i = 0; i < DataShards; i++)
        {
            _shards[i].AsSpan(_dataLengths[i], _maxSize - _dataLengths[i]).Clear();
        }

        _codec.Encode(_shards, _payloadOffset, _maxSize - _payloadOffset);
        for (int i = 0; i < ParityShards; i++)
        {
            Span<byte> parity = _shards[DataShards + i];
            parity[.._headerOffset].Clear();
            FecPacket.WriteHeader(parity[_headerOffset..], NextId(), FecPacket.TypeParity);
        }

        _parityLength = _maxSize;
        _shardCount = 0;
        _maxSize = 0;
        return ParityShards;
    }

    /// <summary>
    /// Parity datagram <paramref name="index"/> of the group the last <see cref="Encode"/> completed, as long as the
    /// group's longest data datagram, head-room zeroed for the caller to fill. Valid until the next <see cref="Encode"/>.
    /// </summary>
    public Span<byte> GetParity(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_parityLength == 0)
        {
            throw new InvalidOperationException("The last Encode did not complete a group.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ParityShards);
        return _shards[DataShards + index].AsSpan(0, _parityLength);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (int i = 0; i < _shards.Length; i++)
        {
            ArrayPool<byte>.Shared.Return(_shards[i]);
            _shards[i] = null!;
        }
    }

    // [UP] wraps data and parity seqids at paws; 5.6.1 wraps only on parity, which is the same sequence because
    // paws is a multiple of ds+ps (kcp-wire.md §3.2).
    private uint NextId()
    {
        uint id = _next;
        _next = (_next + 1) % _paws;
        return id;
    }
}
