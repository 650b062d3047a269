using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kcp.Transport.Io.Linux;

/// <summary>
/// Lays a <see cref="SendBatch"/> out as sendmmsg messages in caller-provided (stack) memory. With GSO, a run of
/// equal-sized datagrams to one address (the last may be shorter) becomes one message whose iovecs point at the batch's
/// pinned slots and whose UDP_SEGMENT control message makes the kernel split it again.
/// </summary>
internal unsafe ref struct SendMessages
{
    /// <summary>Messages one layout holds: one per datagram at most.</summary>
    public const int MaxMessages = SendBatch.Capacity;

    // The kernel refuses a GSO send larger than a UDP datagram can be.
    private const int MaxGsoBytes = 65000;

    private readonly SendBatch _batch;
    private readonly LinuxUdp.MMsgHdr* _messages;
    private readonly LinuxUdp.IoVec* _iovs;
    private readonly byte* _controls;
    private readonly Span<int> _datagramsPerMessage;

    public SendMessages(SendBatch batch, LinuxUdp.MMsgHdr* messages, LinuxUdp.IoVec* iovs, byte* controls, Span<int> datagramsPerMessage)
    {
        _batch = batch;
        _messages = messages;
        _iovs = iovs;
        _controls = controls;
        _datagramsPerMessage = datagramsPerMessage;
    }

    /// <summary>Lays out datagrams <paramref name="first"/>..<paramref name="end"/>-1 and returns the number of messages.</summary>
    public int Build(int first, int end, bool gso)
    {
        int count = 0;
        int i = first;
        while (i < end)
        {
            int size = _batch.LengthOf(i);
            int j = i + 1;
            int bytes = size;
            if (gso)
            {
                while (j < end && j - i < LinuxUdp.MaxGsoSegments && _batch.LengthOf(j - 1) == size && _batch.LengthOf(j) <= size
                    && bytes + _batch.LengthOf(j) <= MaxGsoBytes && _batch.SameDestination(i, j))
                {
                    bytes += _batch.LengthOf(j);
                    j++;
                }
            }

            for (int k = i; k < j; k++)
            {
                _iovs[k].Base = Pointer(_batch.Datagram(k));
                _iovs[k].Length = (nuint)_batch.LengthOf(k);
            }

            Span<byte> name = _batch.Name(i);
            ref LinuxUdp.MMsgHdr message = ref _messages[count];
            message.Header.Name = Pointer(name);
            message.Header.NameLength = (uint)name.Length;
            message.Header.Iov = _iovs + i;
            message.Header.IovLength = (nuint)(j - i);
            message.Header.Flags = 0;
            message.Length = 0;
            if (j - i > 1)
            {
                byte* control = _controls + (count * LinuxUdp.ControlSize);
                LinuxUdp.WriteGsoControl(control, (ushort)size);
                message.Header.Control = control;
                message.Header.ControlLength = LinuxUdp.ControlSize;
            }
            else
            {
                message.Header.Control = null;
                message.Header.ControlLength = 0;
            }

            _datagramsPerMessage[count++] = j - i;
            i = j;
        }

        return count;
    }

    /// <summary>Datagrams carried by the first <paramref name="messages"/> messages of the last <see cref="Build"/>.</summary>
    public readonly int DatagramsIn(int messages)
    {
        int total = 0;
        for (int i = 0; i < messages; i++)
        {
            total += _datagramsPerMessage[i];
        }

        return total;
    }

    // The batch's arrays are pinned (allocated on the pinned object heap): their addresses never move.
    private static byte* Pointer(Span<byte> pinned) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(pinned));
}
