
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
        if (_count > 0 && (!ReferenceEquals(_socket, socket) || _count == Capacity))
        {
            Flush();
        }

        if (datagram.Length > SlotSize || remote.Size > NameSize)
        {
            // Never from KCP; sent at once, after what is queued, so the order holds.
            Flush();
            socket.Send(datagram, remote);
            return;
        }

        if (_data is null)
        {
            _data = GC.AllocateUninitializedArray<byte>(Capacity * SlotSize, pinned: true);
            _names = GC.AllocateArray<byte>(Capacity * NameSize, pinned: true);
        }

        _socket = socket;
        int i = _count++;
        datagram.CopyTo(_data.AsSpan(i * SlotSize, SlotSize));
        _lengths[i] = datagram.Length;
        remote.Buffer.Span[..remote.Size].CopyTo(_names.AsSpan(i * NameSize, NameSize));
        _nameLengths[i] = remote.Size;
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
            socket.SendBatch(this, count);
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
