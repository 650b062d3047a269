using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kcp.Transport.Diagnostics;

namespace Kcp.Transport;

/// <summary>Linux batched I/O: recvmmsg receive threads and sendmmsg flushes of a <see cref="SendBatch"/>.</summary>
internal sealed unsafe partial class KcpUdpSocket
{
    // A GRO buffer holds one coalesced run of datagrams (at most 64 KiB); without GRO a slot holds one datagram.
    private const int GroBufferSize = 65536;
    private const int GroSlots = 8;
    private const int PlainSlots = 32;
    private const int CompactSlots = 8; // a dialed session's socket: 16 KiB of buffers

    // Poll timeouts bound how long a loop takes to see Dispose; Dispose's shutdown usually wakes it at once.
    private const int ReceivePollMs = 250;
    private const int SendPollMs = 100;
    private const int SendPollAttempts = 20;

    private volatile bool _gso;
    private bool _gro;

    private void BatchReceiveLoop(IDatagramHandler handler, TaskCompletionSource done)
    {
        try
        {
            var receiver = new BatchReceiver(this, PlainSlots);
            using var waiter = new ExclusiveReadWaiter((int)_socket.SafeHandle.DangerousGetHandle());
            int received;
            while ((received = ReceiveBatch(receiver.Messages, receiver.Slots, waiter)) > 0)
            {
                receiver.DeliverAll(handler, received);
            }
        }
        catch (Exception e)
        {
            KcpTransportLog.ReceiveLoopFault(_logger, LocalEndPoint, e);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>recvmmsg until the socket is empty or <paramref name="maxBatches"/> calls are made: false once it is closed.</summary>
    private bool Drain(BatchReceiver receiver, IDatagramHandler handler, int maxBatches = int.MaxValue)
    {
        int received = 0;
        for (int batch = 0; batch < maxBatches && (received = ReceiveBatch(receiver.Messages, receiver.Slots, waiter: null)) > 0; batch++)
        {
            receiver.DeliverAll(handler, received);
        }

        return received >= 0;
    }

    /// <summary>One turn of the shared <see cref="DialedSocketPoller"/> on this socket: false once it is closed.</summary>
    private bool DrainTurn(BatchReceiver receiver, IDatagramHandler handler, int maxBatches)
    {
        try
        {
            return Drain(receiver, handler, maxBatches);
        }
        catch (Exception e)
        {
            // A bug in packet handling must not stop the thread that serves every dialed socket.
            KcpTransportLog.ReceiveLoopFault(_logger, LocalEndPoint, e);
            return Volatile.Read(ref _disposed) == 0;
        }
    }

    /// <summary>
    /// One recvmmsg; the count received, 0 when nothing is queued and there is no <paramref name="waiter"/>, or -1 once
    /// the socket is closed. With a waiter, waits until something arrives.
    /// </summary>
    private int ReceiveBatch(LinuxUdp.MMsgHdr* messages, int slots, ExclusiveReadWaiter? waiter)
    {
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return -1;
            }

            // The reference keeps the descriptor from being closed (and its number reused) during the calls.
            bool added = false;
            try
            {
                _socket.SafeHandle.DangerousAddRef(ref added);
                int fd = (int)_socket.SafeHandle.DangerousGetHandle();
                int n = LinuxUdp.RecvMMsg(fd, messages, (uint)slots, LinuxUdp.MsgDontWait, null);
                if (n > 0)
                {
                    return n;
                }

                int errno = n < 0 ? Marshal.GetLastPInvokeError() : LinuxUdp.EAgain;
                if (errno == LinuxUdp.EAgain)
                {
                    if (waiter is null)
                    {
                        return 0;
                    }

                    waiter.Wait(ReceivePollMs);
                }
                else if (errno != LinuxUdp.EIntr && Volatile.Read(ref _disposed) == 0 && _receiveErrorLog.TryAcquire())
                {
                    // ICMP errors for earlier sends (ECONNREFUSED...) surface here: not fatal for UDP.
                    KcpTransportLog.ReceiveError(_logger, LocalEndPoint, ToSocketError(errno));
                }
            }
            catch (ObjectDisposedException)
            {
                return -1;
            }
            finally
            {
                if (added)
                {
                    _socket.SafeHandle.DangerousRelease();
                }
            }
        }
    }

    /// <summary>One receive loop's pinned buffers, message headers and addresses for recvmmsg.</summary>
    private sealed class BatchReceiver
    {
        private readonly KcpUdpSocket _owner;
        private readonly bool _gro;
        private readonly int _slotSize;
        private readonly byte[] _data;
        private readonly byte[] _names;
        private readonly byte[] _controls;
        private readonly LinuxUdp.IoVec[] _iovs;
        private readonly LinuxUdp.MMsgHdr[] _messages;
        private readonly SocketAddress[] _addresses;

        public BatchReceiver(KcpUdpSocket owner, int plainSlots)
        {
            _owner = owner;
            _gro = owner._gro;
            Slots = _gro ? GroSlots : plainSlots;
            _slotSize = _gro ? GroBufferSize : ReceiveBufferSize;
            _data = GC.AllocateUninitializedArray<byte>(Slots * _slotSize, pinned: true);
            _names = GC.AllocateArray<byte>(Slots * LinuxUdp.NameSize, pinned: true);
            _controls = GC.AllocateArray<byte>(Slots * LinuxUdp.ControlSize, pinned: true);
            _iovs = GC.AllocateArray<LinuxUdp.IoVec>(Slots, pinned: true);
            _messages = GC.AllocateArray<LinuxUdp.MMsgHdr>(Slots, pinned: true);
            _addresses = new SocketAddress[Slots];
            byte* data = Pointer(_data);
            byte* names = Pointer(_names);
            byte* controls = Pointer(_controls);
            var iovs = (LinuxUdp.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iovs));
            LinuxUdp.MMsgHdr* messages = Messages;
            for (int i = 0; i < Slots; i++)
            {
                _addresses[i] = new SocketAddress(owner._socket.AddressFamily);
                iovs[i].Base = data + (i * _slotSize);
                iovs[i].Length = (nuint)_slotSize;
                messages[i].Header.Iov = iovs + i;
                messages[i].Header.IovLength = 1;
                messages[i].Header.Name = names + (i * LinuxUdp.NameSize);
                messages[i].Header.Control = _gro ? controls + (i * LinuxUdp.ControlSize) : null;
            }

            Reset(Slots);
        }

        public int Slots { get; }

        public LinuxUdp.MMsgHdr* Messages => (LinuxUdp.MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_messages));

        /// <summary>Hands the <paramref name="received"/> messages to the handler (GRO runs split into datagrams), then re-arms them.</summary>
        public void DeliverAll(IDatagramHandler handler, int received)
        {
            DeferredInputFlushes flushes = DeferredInputFlushes.Enter();
            try
            {
                DeliverEach(handler, received);
            }
            finally
            {
                Reset(received);
                flushes.Exit();
            }
        }

        private void DeliverEach(IDatagramHandler handler, int received)
        {
            LinuxUdp.MMsgHdr* messages = Messages;
            for (int i = 0; i < received; i++)
            {
                ref LinuxUdp.MMsgHdr message = ref messages[i];
                SocketAddress address = _addresses[i];
                int nameLength = (int)Math.Min(message.Header.NameLength, (uint)address.Buffer.Length);
                new ReadOnlySpan<byte>(message.Header.Name, nameLength).CopyTo(address.Buffer.Span);
                address.Size = nameLength;
                int length = (int)message.Length;
                var datagram = new Span<byte>(message.Header.Iov->Base, length);
                int segment = _gro ? LinuxUdp.ReadGroSize(message.Header) : 0;
                if (segment <= 0 || segment >= length)
                {
                    _owner.Deliver(handler, datagram, address);
                    continue;
                }

                // GRO coalesced several datagrams of one sender: equal segments, the last one possibly shorter.
                for (int offset = 0; offset < length; offset += segment)
                {
                    _owner.Deliver(handler, datagram.Slice(offset, Math.Min(segment, length - offset)), address);
                }
            }
        }

        private void Reset(int count)
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

    /// <summary>Sends datagrams 0..count-1 of <paramref name="batch"/>: one sendmmsg per pass, GSO runs where enabled.</summary>
    internal void SendBatched(SendBatch batch, int count)
    {
        int first = 0;
        int attempts = 0;
        while (first < count)
        {
            bool gso = _gso;
            int messageCount = batch.Build(first, count, gso);
            int sent;
            int errno = 0;
            bool added = false;
            try
            {
                _socket.SafeHandle.DangerousAddRef(ref added);
                int fd = (int)_socket.SafeHandle.DangerousGetHandle();
                Interlocked.Increment(ref _sendCalls);
                sent = LinuxUdp.SendMMsg(fd, batch.Messages, (uint)messageCount, 0);
                if (sent < 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                    if (errno == LinuxUdp.EAgain && ++attempts <= SendPollAttempts)
                    {
                        LinuxUdp.Wait(fd, LinuxUdp.PollOut, SendPollMs);
                        continue;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                return; // the socket closed under a session that was still flushing
            }
            finally
            {
                if (added)
                {
                    _socket.SafeHandle.DangerousRelease();
                }
            }

            if (sent >= 0)
            {
                int datagrams = batch.DatagramsIn(sent);
                for (int i = first; i < first + datagrams; i++)
                {
                    _counters.OnSent(batch.LengthOf(i));
                }

                first += datagrams;
                continue;
            }

            if (errno == LinuxUdp.EIntr)
            {
                continue;
            }

            if (gso && batch.SegmentsOf(0) > 1 && errno is LinuxUdp.EIo or LinuxUdp.EInval or LinuxUdp.EOpNotSupp or LinuxUdp.EMsgSize)
            {
                // The route cannot segment (no checksum offload): GSO stays off for this socket.
                _gso = false;
                continue;
            }

            // The first message failed (unreachable, no buffer space...): drop it, send the rest.
            LogSendError(ToSocketError(errno));
            first += batch.SegmentsOf(0);
            attempts = 0;
        }
    }

    private static SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => SocketError.AccessDenied,
        11 => SocketError.WouldBlock,
        90 => SocketError.MessageSize,
        101 => SocketError.NetworkUnreachable,
        105 => SocketError.NoBufferSpaceAvailable,
        111 => SocketError.ConnectionRefused,
        113 => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };
}

/// <summary>
/// The datagrams one thread emits inside a <see cref="SendBatchScope"/>, copied into pinned slots and sent with one
/// sendmmsg when the outermost scope ends (or when full, or before a datagram for another socket). A thread holds a
/// batch only while a scope is open; batches come from a process-wide pool (as many as threads ever sent at once),
/// so neither datagrams nor short-lived pool threads allocate. Buffers are allocated on first use by a batching socket.
/// </summary>
internal sealed unsafe class SendBatch
{
    public const int Capacity = 64;
    private const int SlotSize = 2048;
    private const int MaxGsoBytes = 65000;

    [ThreadStatic]
    private static SendBatch? t_current;

    private static readonly Stack<SendBatch> s_pool = new();

    private byte[]? _data;
    private byte[] _names = [];
    private byte[] _controls = [];
    private LinuxUdp.IoVec[] _iovs = [];
    private LinuxUdp.MMsgHdr[] _messages = [];
    private readonly int[] _lengths = new int[Capacity];
    private readonly int[] _nameLengths = new int[Capacity];
    private readonly int[] _segments = new int[Capacity];
    private KcpUdpSocket? _socket;
    private int _count;

    /// <summary>Open scopes on this thread.</summary>
    public int Depth;

    /// <summary>True when no datagram waits in the batch.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The batch of this thread's open scope, if any.</summary>
    public static SendBatch? Current => t_current;

    /// <summary>Opens a scope on this thread, taking a batch from the pool for the outermost one.</summary>
    public static SendBatch Enter()
    {
        SendBatch? batch = t_current;
        if (batch is null)
        {
            lock (s_pool)
            {
                s_pool.TryPop(out batch);
            }

            batch ??= new SendBatch();
            t_current = batch;
        }

        batch.Depth++;
        return batch;
    }

    /// <summary>Closes a scope; the outermost sends what is queued and gives the batch back.</summary>
    public void Exit()
    {
        if (--Depth > 0)
        {
            return;
        }

        t_current = null;
        try
        {
            Flush();
        }
        finally
        {
            _count = 0;
            _socket = null;
            lock (s_pool)
            {
                s_pool.Push(this);
            }
        }
    }

    public LinuxUdp.MMsgHdr* Messages => (LinuxUdp.MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_messages));

    public int LengthOf(int datagram) => _lengths[datagram];

    /// <summary>Datagrams carried by message <paramref name="message"/> of the last <see cref="Build"/>.</summary>
    public int SegmentsOf(int message) => _segments[message];

    /// <summary>Datagrams carried by the first <paramref name="messages"/> messages of the last <see cref="Build"/>.</summary>
    public int DatagramsIn(int messages)
    {
        int total = 0;
        for (int i = 0; i < messages; i++)
        {
            total += _segments[i];
        }

        return total;
    }

    public void Add(KcpUdpSocket socket, ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (_count > 0 && (!ReferenceEquals(_socket, socket) || _count == Capacity))
        {
            Flush();
        }

        if (_data is null)
        {
            Allocate();
        }

        if (datagram.Length > SlotSize)
        {
            socket.SendUnbatched(datagram, remote);
            return;
        }

        _socket = socket;
        int i = _count++;
        datagram.CopyTo(_data.AsSpan(i * SlotSize, SlotSize));
        _lengths[i] = datagram.Length;
        ReadOnlySpan<byte> name = remote.Buffer.Span.Slice(0, remote.Size);
        name.CopyTo(_names.AsSpan(i * LinuxUdp.NameSize, LinuxUdp.NameSize));
        _nameLengths[i] = name.Length;
    }

    /// <summary>Sends what is queued.</summary>
    public void Flush()
    {
        KcpUdpSocket? socket = _socket;
        int count = _count;
        _count = 0;
        _socket = null;
        if (socket is not null && count > 0)
        {
            socket.SendBatched(this, count);
        }
    }

    /// <summary>
    /// Lays out messages for datagrams <paramref name="first"/>..<paramref name="end"/>-1 and returns how many. With
    /// <paramref name="gso"/>, a run of equal-sized datagrams to one address (the last may be shorter) becomes one
    /// message whose iovecs point at the slots and whose UDP_SEGMENT control message makes the kernel split it.
    /// </summary>
    public int Build(int first, int end, bool gso)
    {
        byte* data = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data!));
        byte* names = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_names));
        byte* controls = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_controls));
        var iovs = (LinuxUdp.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iovs));
        LinuxUdp.MMsgHdr* messages = Messages;
        int count = 0;
        int i = first;
        while (i < end)
        {
            int size = _lengths[i];
            int j = i + 1;
            int bytes = size;
            if (gso)
            {
                while (j < end && j - i < LinuxUdp.MaxGsoSegments && _lengths[j - 1] == size && _lengths[j] <= size
                    && bytes + _lengths[j] <= MaxGsoBytes && SameName(i, j))
                {
                    bytes += _lengths[j];
                    j++;
                }
            }

            for (int k = i; k < j; k++)
            {
                iovs[k].Base = data + (k * SlotSize);
                iovs[k].Length = (nuint)_lengths[k];
            }

            ref LinuxUdp.MMsgHdr message = ref messages[count];
            message.Header.Name = names + (i * LinuxUdp.NameSize);
            message.Header.NameLength = (uint)_nameLengths[i];
            message.Header.Iov = iovs + i;
            message.Header.IovLength = (nuint)(j - i);
            message.Header.Flags = 0;
            message.Length = 0;
            if (j - i > 1)
            {
                byte* control = controls + (count * LinuxUdp.ControlSize);
                LinuxUdp.WriteGsoControl(control, (ushort)size);
                message.Header.Control = control;
                message.Header.ControlLength = LinuxUdp.ControlSize;
            }
            else
            {
                message.Header.Control = null;
                message.Header.ControlLength = 0;
            }

            _segments[count++] = j - i;
            i = j;
        }

        return count;
    }

    private bool SameName(int a, int b)
        => _nameLengths[a] == _nameLengths[b]
            && _names.AsSpan(a * LinuxUdp.NameSize, _nameLengths[a]).SequenceEqual(_names.AsSpan(b * LinuxUdp.NameSize, _nameLengths[b]));

    private void Allocate()
    {
        _data = GC.AllocateUninitializedArray<byte>(Capacity * SlotSize, pinned: true);
        _names = GC.AllocateArray<byte>(Capacity * LinuxUdp.NameSize, pinned: true);
        _controls = GC.AllocateArray<byte>(Capacity * LinuxUdp.ControlSize, pinned: true);
        _iovs = GC.AllocateArray<LinuxUdp.IoVec>(Capacity, pinned: true);
        _messages = GC.AllocateArray<LinuxUdp.MMsgHdr>(Capacity, pinned: true);
    }
}

/// <summary>
/// Collects the datagrams sent on this thread until disposed, then sends them in as few system calls as the socket
/// allows. Scopes nest (the outermost sends). Sessions use <see cref="SessionLockScope"/>, which sends after their lock, in order.
/// </summary>
internal readonly ref struct SendBatchScope
{
    private readonly SendBatch _batch;

    private SendBatchScope(SendBatch batch) => _batch = batch;

    public static SendBatchScope Enter() => new(SendBatch.Enter());

    public void Dispose() => _batch.Exit();
}
