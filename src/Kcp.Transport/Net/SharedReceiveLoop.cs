using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kcp.Transport.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Kcp.Transport;

/// <summary>
/// A receive thread that serves many sockets (dialed sessions have one socket each): one epoll instance, and for each
/// readable socket a few recvmmsg calls straight into the handler on this thread. A fixed set of these serves every
/// dialed session of the process, so a reply costs one wake-up, not .NET's event thread, a thread-pool hop and a peek.
/// </summary>
internal sealed unsafe class SharedReceiveLoop
{
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x1;
    private const int MaxEvents = 64;
    private const int SlotsPerBatch = 8;
    private const int BatchesPerTurn = 4;

    private static readonly Lazy<SharedReceiveLoop[]> s_loops = new(CreateLoops);
    private static int s_next;

    // struct epoll_event: u32 events then u64 data, packed (12 bytes) on x86-64, naturally aligned (16) elsewhere.
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _epoll;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Registration> _registrations = [];
    private readonly byte[] _events;
    private KcpUdpSocket.BatchReceiver? _inet;
    private KcpUdpSocket.BatchReceiver? _inet6;
    private long _nextId;

    private SharedReceiveLoop(int index)
    {
        _epoll = LinuxUdp.EpollCreate(EpollCloexec);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        _events = GC.AllocateArray<byte>(MaxEvents * s_eventSize, pinned: true);
        var thread = new Thread(Run) { IsBackground = true, Name = $"KCP shared receive {index}" };
        thread.Start();
    }

    /// <summary>True where shared loops can run (batched Linux I/O with epoll).</summary>
    public static bool IsSupported => LinuxUdp.IsSupported;

    /// <summary>Registers <paramref name="socket"/> with one of the shared loops, chosen round-robin.</summary>
    public static Registration Register(KcpUdpSocket socket, int fd, IDatagramHandler handler, ILogger logger)
    {
        SharedReceiveLoop[] loops = s_loops.Value;
        SharedReceiveLoop loop = loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];
        return loop.Add(socket, fd, handler, logger);
    }

    // Half the cores, at most four: dialed sessions are usually few, and each loop is a thread that must wake.
    private static SharedReceiveLoop[] CreateLoops()
    {
        var loops = new SharedReceiveLoop[Math.Clamp(Environment.ProcessorCount / 2, 1, 4)];
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = new SharedReceiveLoop(i);
        }

        return loops;
    }

    private Registration Add(KcpUdpSocket socket, int fd, IDatagramHandler handler, ILogger logger)
    {
        Registration registration;
        lock (_lock)
        {
            registration = new Registration(this, ++_nextId, socket, fd, handler, logger);
            _registrations.Add(registration.Id, registration);
        }

        byte* request = stackalloc byte[16];
        new Span<byte>(request, 16).Clear();
        *(uint*)request = EpollIn;
        *(long*)(request + s_dataOffset) = registration.Id;
        if (LinuxUdp.EpollCtl(_epoll, EpollCtlAdd, fd, request) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Remove(registration);
            throw new SocketException(errno);
        }

        return registration;
    }

    private void Remove(Registration registration)
    {
        bool idle;
        lock (_lock)
        {
            if (registration.Removed)
            {
                return;
            }

            registration.Removed = true;
            _registrations.Remove(registration.Id);
            idle = !registration.Busy;
        }

        // The socket is still open here (its owner removes before closing), so the descriptor is still ours.
        LinuxUdp.EpollCtl(_epoll, EpollCtlDel, registration.Fd, null);
        if (idle)
        {
            registration.Done.TrySetResult();
        }
    }

    private void Run()
    {
        while (true)
        {
            int ready;
            fixed (byte* events = _events)
            {
                ready = LinuxUdp.EpollWait(_epoll, events, MaxEvents, -1);
            }

            for (int i = 0; i < ready; i++)
            {
                long id = MemoryMarshal.Read<long>(_events.AsSpan((i * s_eventSize) + s_dataOffset));
                Serve(id);
            }
        }
    }

    private void Serve(long id)
    {
        Registration? registration;
        lock (_lock)
        {
            if (!_registrations.TryGetValue(id, out registration))
            {
                return;   // removed after the event was queued
            }

            registration.Busy = true;
        }

        try
        {
            KcpUdpSocket.BatchReceiver receiver = registration.Socket.AddressFamily == AddressFamily.InterNetworkV6
                ? _inet6 ??= new KcpUdpSocket.BatchReceiver(AddressFamily.InterNetworkV6, gro: false, SlotsPerBatch)
                : _inet ??= new KcpUdpSocket.BatchReceiver(AddressFamily.InterNetwork, gro: false, SlotsPerBatch);
            registration.Socket.Drain(receiver, registration.Handler, BatchesPerTurn);
        }
        catch (Exception e)
        {
            // Delivery already catches handler faults; this is a fault of the loop itself: keep serving the others.
            KcpTransportLog.ReceiveLoopFault(registration.Logger, registration.Socket.LocalEndPoint, e);
        }

        bool removed;
        lock (_lock)
        {
            registration.Busy = false;
            removed = registration.Removed;
        }

        if (removed)
        {
            registration.Done.TrySetResult();
        }
    }

    /// <summary>One socket served by a shared loop; <see cref="Dispose"/> before the socket closes.</summary>
    internal sealed class Registration : IDisposable
    {
        private readonly SharedReceiveLoop _loop;

        public Registration(SharedReceiveLoop loop, long id, KcpUdpSocket socket, int fd, IDatagramHandler handler, ILogger logger)
        {
            _loop = loop;
            Id = id;
            Socket = socket;
            Fd = fd;
            Handler = handler;
            Logger = logger;
        }

        public long Id { get; }

        public KcpUdpSocket Socket { get; }

        public int Fd { get; }

        public IDatagramHandler Handler { get; }

        public ILogger Logger { get; }

        /// <summary>Completes once the loop will not touch the socket or the handler again.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Guarded by the loop's lock.
        public bool Busy { get; set; }

        public bool Removed { get; set; }

        public void Dispose() => _loop.Remove(this);
    }
}
