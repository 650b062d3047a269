using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kcp.Transport.Io.Linux;

/// <summary>
/// One receive loop's pinned buffers, message headers and addresses for recvmmsg. With GRO a slot holds one coalesced
/// run of datagrams from one sender (at most 64 KiB); without it a slot holds one datagram.
/// </summary>
internal sealed unsafe class ReceiveSlots
{
    private const int GroBufferSize = 65536;
    private const int GroSlots = 8;

    private readonly bool _gro;
    private readonly byte[] _data;
    private readonly byte[] _names;
    private readonly byte[] _controls;
    private readonly LinuxUdp.IoVec[] _iovs;
    private readonly LinuxUdp.MMsgHdr[] _messages;
    private readonly SocketAddress[] _addresses;

    public ReceiveSlots(System.Net.Sockets.AddressFamily family, bool gro, int plainSlots, int plainSlotSize)
    {
        _gro = gro;
        Count = gro ? GroSlots : plainSlots;
        int slotSize = gro ? GroBufferSize : plainSlotSize;
        _data = GC.AllocateUninitializedArray<byte>(Count * slotSize, pinned: true);
        _names = GC.AllocateArray<byte>(Count * LinuxUdp.NameSize, pinned: true);
        _controls = GC.AllocateArray<byte>(Count * LinuxUdp.ControlSize, pinned: true);
        _iovs = GC.AllocateArray<LinuxUdp.IoVec>(Count, pinned: true);
        _messages = GC.AllocateArray<LinuxUdp.MMsgHdr>(Count, pinned: true);
        _addresses = new SocketAddress[Count];
        byte* data = Pointer(_data);
        byte* names = Pointer(_names);
        byte* controls = Pointer(_controls);
        var iovs = (LinuxUdp.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iovs));
        LinuxUdp.MMsgHdr* messages = Messages;
        for (int i = 0; i < Count; i++)
        {
            _addresses[i] = new SocketAddress(family);
            iovs[i].Base = data + (i * slotSize);
            iovs[i].Length = (nuint)slotSize;
            messages[i].Header.Iov = iovs + i;
            messages[i].Header.IovLength = 1;
            messages[i].Header.Name = names + (i * LinuxUdp.NameSize);
            messages[i].Header.Control = gro ? controls + (i * LinuxUdp.ControlSize) : null;
        }

        Reset(Count);
    }

    /// <summary>Messages one recvmmsg may fill.</summary>
    public int Count { get; }

    public LinuxUdp.MMsgHdr* Messages => (LinuxUdp.MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_messages));

    /// <summary>
    /// Message <paramref name="index"/> of the last recvmmsg: its bytes, its sender, and the GRO segment size when it is
    /// a coalesced run of equal datagrams (the last possibly shorter), else 0.
    /// </summary>
    public Span<byte> Read(int index, out SocketAddress sender, out int groSegment)
    {
        ref LinuxUdp.MMsgHdr message = ref Messages[index];
        sender = _addresses[index];
        int nameLength = (int)Math.Min(message.Header.NameLength, (uint)sender.Buffer.Length);
        new ReadOnlySpan<byte>(message.Header.Name, nameLength).CopyTo(sender.Buffer.Span);
        sender.Size = nameLength;
        int length = (int)message.Length;
        groSegment = _gro ? LinuxUdp.ReadGroSize(message.Header) : 0;
        if (groSegment < 0 || groSegment >= length)
        {
            groSegment = 0;
        }

        return new Span<byte>(message.Header.Iov->Base, length);
    }

    /// <summary>Re-arms the first <paramref name="count"/> messages for the next recvmmsg.</summary>
    public void Reset(int count)
    {
        LinuxUdp.MMsgHdr* messages = Messages;
        for (int i = 0; i < count; i++)
        {
            messages[i].Header.NameLength = LinuxUdp.NameSize;
            messages[i].Header.ControlLength = _gro ? (nuint)LinuxUdp.ControlSize : 0;
            messages[i].Header.Flags = 0;
        }
    }

    private static byte* Pointer(byte[] array) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
}
