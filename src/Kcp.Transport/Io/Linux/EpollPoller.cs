namespace Kcp.Transport.Io.Linux;

/// <summary>
/// One thread that waits on every dialed session's socket of a runtime with one epoll instance and drains the readable
/// ones itself. .NET's socket event loop hands each readiness to the thread pool first: one more wake-up per round
/// trip, about 15 µs of a 4 KB echo on loopback. A fixed thread per runtime, not one per session.
/// </summary>
/// <remarks>
/// Registrations are found by id, never by descriptor, so a stale event for a closed socket whose number was reused
/// reaches nobody. A socket's receive buffers stay reachable while it is drained, and <see cref="Registration.Close"/>
/// returns only once no drain of it runs (the kernel writes into those buffers during recvmmsg).
/// </remarks>
internal sealed unsafe class EpollPoller : IDisposable
{
    private const int MaxEvents = 64;

    // A busy socket yields after this many recvmmsg calls; level-triggered epoll reports it again.
    private const int BatchesPerTurn = 8;

    // The registration id of the eventfd that wakes the thread to stop; socket ids start at 1.
    private const long StopId = 0;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Dictionary<long, Registration> _registrations = [];
    private readonly Thread _thread;
    private long _nextId;
    private int _disposed;
    private bool _closed;   // the descriptors are closed (guarded by _registrations)

    private EpollPoller(int epoll, int wake, string threadName)
    {
        _epoll = epoll;
        _wake = wake;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>A poller with its thread started, or null where epoll is unavailable (dialed sockets then use .NET's event loop).</summary>
    public static EpollPoller? TryCreate(string threadName)
    {
        if (!LinuxUdp.IsSupported)
        {
            return null;
        }

        int epoll = LinuxUdp.EpollCreate(LinuxUdp.EpollCloexec);
        if (epoll < 0)
        {
            return null;
        }

        int wake = LinuxUdp.EventFd(0, LinuxUdp.EfdCloexec);
        if (wake < 0 || !LinuxUdp.EpollAdd(epoll, wake, LinuxUdp.EpollIn, StopId))
        {
            if (wake >= 0)
            {
                LinuxUdp.Close(wake);
            }

            LinuxUdp.Close(epoll);
            return null;
        }

        return new EpollPoller(epoll, wake, threadName);
    }

    /// <summary>True while the poller's thread runs.</summary>
    public bool IsRunning => _thread.IsAlive;

    /// <summary>
    /// Starts draining <paramref name="fd"/> with <paramref name="drain"/> (which returns false once its socket is
    /// closed), or returns null when epoll refuses the descriptor.
    /// </summary>
    public Registration? Register(int fd, Func<int, bool> drain)
    {
        lock (_registrations)
        {
            // Under the lock that Dispose closes the epoll descriptor in: its number is never reused under us.
            if (_closed)
            {
                return null;
            }

            var registration = new Registration(this, ++_nextId, fd, drain);
            _registrations.Add(registration.Id, registration);
            if (LinuxUdp.EpollAdd(_epoll, fd, LinuxUdp.EpollIn, registration.Id))
            {
                return registration;
            }

            _registrations.Remove(registration.Id);
            return null;
        }
    }

    /// <summary>Stops the thread once it has finished its current turn. Sockets still registered are no longer drained.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        LinuxUdp.Write(_wake, &one, sizeof(ulong));
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        lock (_registrations)
        {
            // Under the lock that Remove takes: no epoll_ctl can reach a descriptor number after it was closed.
            LinuxUdp.Close(_wake);
            LinuxUdp.Close(_epoll);
            _closed = true;
        }
    }

    private void Run()
    {
        byte* events = stackalloc byte[MaxEvents * LinuxUdp.MaxEpollEventSize];
        while (true)
        {
            int n = LinuxUdp.EpollWait(_epoll, events, MaxEvents, -1);
            for (int i = 0; i < n; i++)
            {
                long id = *(long*)(events + (i * LinuxUdp.EpollEventSize) + LinuxUdp.EpollDataOffset);
                if (id == StopId)
                {
                    return;
                }

                Registration? registration;
                lock (_registrations)
                {
                    _registrations.TryGetValue(id, out registration);
                }

                registration?.Drain();
            }
        }
    }

    private void Remove(Registration registration)
    {
        byte* ev = stackalloc byte[LinuxUdp.MaxEpollEventSize];
        lock (_registrations)
        {
            _registrations.Remove(registration.Id);

            // Before the socket's descriptor closes: afterwards its number may belong to another socket.
            if (!_closed)
            {
                LinuxUdp.EpollCtl(_epoll, LinuxUdp.EpollCtlDel, registration.Fd, ev);
            }
        }
    }

    /// <summary>One socket's place in the poller.</summary>
    internal sealed class Registration
    {
        private readonly EpollPoller _poller;
        private readonly Func<int, bool> _drain;
        private readonly Lock _draining = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _done;

        public Registration(EpollPoller poller, long id, int fd, Func<int, bool> drain)
        {
            _poller = poller;
            Id = id;
            Fd = fd;
            _drain = drain;
        }

        public long Id { get; }

        public int Fd { get; }

        /// <summary>Completes once the socket is no longer drained.</summary>
        public Task Completion => _closed.Task;

        /// <summary>Stops draining; returns once no drain runs (called before the socket's descriptor closes).</summary>
        public void Close()
        {
            lock (_draining)
            {
                if (_done)
                {
                    return;
                }

                // Under the lock: whoever closes second must not go on to close the descriptor before this is done.
                _done = true;
                _poller.Remove(this);
            }

            _closed.TrySetResult();
        }

        public void Drain()
        {
            bool open;
            lock (_draining)
            {
                if (_done)
                {
                    return;
                }

                open = _drain(BatchesPerTurn);
            }

            if (!open)
            {
                Close();
            }
        }
    }
}
