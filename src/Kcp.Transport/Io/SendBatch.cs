namespace Kcp.Transport.Io;

/// <summary>
/// Datagrams to send on one socket, copied into pinned slots and handed to the socket together (<see cref="Flush"/>):
/// one sendmmsg, GSO-coalesced where possible, on the batched backend; one SendTo each on the portable one. A session
/// collects what it emits under its lock into a batch and flushes it after the lock is released. Batches come from a
/// <see cref="SendBatchPool"/> and are reused, so sending allocates nothing; the slots are allocated on first use.
/// </summary>
internal sealed class SendBatch
{
    /// <summary>Datagrams a batch holds; a full batch is flushed before the next one is added.</summary>
    public const int Capacity = 64;

    /// <summary>The largest datagram a slot holds (kcp-go sends at most 1500 bytes); larger ones are sent on their own.</summary>
    public const int SlotSize = 2048;

    /// <summary>Room for any socket address (sockaddr_in6 is 28 bytes).</summary>
    public const int NameSize = 32;

    private readonly int[] _lengths = new int[Capacity];
    private readonly int[] _nameLengths = new int[Capacity];
    private readonly IDeferredSeal?[] _seals = new IDeferredSeal?[Capacity];
    private byte[]? _data;
    private byte[] _names = [];
    private SocketAddress? _address;
    private UdpSocket? _socket;
    private int _count;

    /// <summary>Datagrams waiting.</summary>
    public int Count => _count;

    /// <summary>Queues a copy of <paramref name="datagram"/> for <paramref name="remote"/> on <paramref name="socket"/>.</summary>
    public void Add(UdpSocket socket, ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (TryReserve(socket, datagram.Length, remote))
        {
            Store(datagram, remote, seal: null);
        }
        else
        {
            socket.Send(datagram, remote);
        }
    }

    /// <summary>
    /// Queues a copy of <paramref name="datagram"/> that <paramref name="seal"/> finishes when the batch leaves (at once,
    /// in place, if it has to be sent alone).
    /// </summary>
    public void Add(UdpSocket socket, Span<byte> datagram, SocketAddress remote, IDeferredSeal seal)
    {
        if (TryReserve(socket, datagram.Length, remote))
        {
            Store(datagram, remote, seal);
        }
        else
        {
            seal.Finish(datagram, datagram.Length, [datagram.Length]);
            socket.Send(datagram, remote);
        }
    }

    /// <summary>Sends what is queued, in order, and empties the batch.</summary>
    public void Flush()
    {
        UdpSocket? socket = _socket;
        int count = _count;
        _count = 0;
        _socket = null;
        if (socket is not null && count > 0)
        {
            FinishSeals(count);
            socket.SendBatch(this, count);
        }
    }

    /// <summary>
    /// Makes room for a datagram on <paramref name="socket"/>; false when it must be sent alone (after what is queued, so
    /// the order holds): too large for a slot, which KCP never sends, or an address too long.
    /// </summary>
    private bool TryReserve(UdpSocket socket, int length, SocketAddress remote)
    {
        if (_count > 0 && (!ReferenceEquals(_socket, socket) || _count == Capacity))
        {
            Flush();
        }

        if (length > SlotSize || remote.Size > NameSize)
        {
            Flush();
            return false;
        }

        _socket = socket;
        return true;
    }

    private void Store(ReadOnlySpan<byte> datagram, SocketAddress remote, IDeferredSeal? seal)
    {

        if (_data is null)
        {
            _data = GC.AllocateUninitializedArray<byte>(Capacity * SlotSize, pinned: true);
            _names = GC.AllocateArray<byte>(Capacity * NameSize, pinned: true);
        }

        int i = _count++;
        datagram.CopyTo(_data.AsSpan(i * SlotSize, SlotSize));
        _lengths[i] = datagram.Length;
        _seals[i] = seal;
        remote.Buffer.Span[..remote.Size].CopyTo(_names.AsSpan(i * NameSize, NameSize));
        _nameLengths[i] = remote.Size;
    }

    /// <summary>Runs the deferred seals, one call per run of datagrams that share one.</summary>
    private void FinishSeals(int count)
    {
        for (int first = 0; first < count;)
        {
            IDeferredSeal? seal = _seals[first];
            int end = first + 1;
            while (end < count && ReferenceEquals(_seals[end], seal))
            {
                end++;
            }

            if (seal is not null)
            {
                _seals.AsSpan(first, end - first).Clear();
                seal.Finish(_data.AsSpan(first * SlotSize), SlotSize, _lengths.AsSpan(first, end - first));
            }

            first = end;
        }
    }

    /// <summary>Datagram <paramref name="index"/> (in a pinned array: its address does not move).</summary>
    public Span<byte> Datagram(int index) => _data.AsSpan(index * SlotSize, _lengths[index]);

    /// <summary>The length of datagram <paramref name="index"/>.</summary>
    public int LengthOf(int index) => _lengths[index];

    /// <summary>The destination of datagram <paramref name="index"/>, as sockaddr bytes (pinned).</summary>
    public Span<byte> Name(int index) => _names.AsSpan(index * NameSize, _nameLengths[index]);

    /// <summary>True when datagrams <paramref name="a"/> and <paramref name="b"/> go to the same address.</summary>
    public bool SameDestination(int a, int b) => Name(a).SequenceEqual(Name(b));

    /// <summary>The destination of datagram <paramref name="index"/> as a <see cref="SocketAddress"/> this batch reuses.</summary>
    public SocketAddress Address(int index, AddressFamily family)
    {
        Span<byte> name = Name(index);
        if (_address is null || _address.Family != family || _address.Buffer.Length < name.Length)
        {
            _address = new SocketAddress(family, NameSize);
        }

        name.CopyTo(_address.Buffer.Span);
        _address.Size = name.Length;
        return _address;
    }
}
