namespace Kcp.Transport;

/// <summary>
/// One thread that waits on every dialed session's socket with one epoll instance and drains the readable ones itself.
/// .NET's socket event loop hands each readiness to the thread pool first: one more wake-up per round trip, about
/// 15 µs of a 4 KB echo on loopback. A fixed thread, not one per session.
/// </summary>
/// <remarks>
/// Registrations are found by id, never by descriptor, so a stale event for a closed socket whose number was reused
/// reaches nobody. A socket's receive buffers stay reachable while it is drained, and <see cref="Registration.Close"/>
/// returns only once no drain of it runs (the kernel writes into those buffers during recvmmsg).
/// </remarks>
internal sealed unsafe class DialedSocketPoller
{
    private const int MaxEvents = 64;

    // A busy socket yields after this many recvmmsg calls; level-triggered epoll reports it again.
    private const int BatchesPerTurn = 8;

    private static readonly Lazy<DialedSocketPoller?> s_shared = new(Create);

    private readonly int _epoll;
    private readonly Dictionary<long, Registration> _registrations = [];
    private long _nextId;

    private DialedSocketPoller(int epoll)
    {
        _epoll = epoll;
        new Thread(Run) { IsBackground = true, Name = "KCP dialed receive" }.Start();
    }

    /// <summary>The process-wide poller, or null where epoll is unavailable (dialed sockets then use .NET's event loop).</summary>
    public static DialedSocketPoller? Shared => s_shared.Value;

    private static DialedSocketPoller? Create()
    {
        int epoll = LinuxUdp.IsSupported ? LinuxUdp.EpollCreate(LinuxUdp.EpollCloexec) : -1;
        return epoll < 0 ? null : new DialedSocketPoller(epoll);
    }

    /// <summary>
    /// Starts draining <paramref name="fd"/> with <paramref name="drain"/> (which returns false once its socket is
    /// closed), or returns null when epoll refuses the descriptor.
    /// </summary>
    public Registration? Register(int fd, Func<int, bool> drain)
    {
        Registration registration;
        lock (_registrations)
        {
            registration = new Registration(this, ++_nextId, fd, drain);
            _registrations.Add(registration.Id, registration);
        }

        if (LinuxUdp.EpollAdd(_epoll, fd, LinuxUdp.EpollIn, registration.Id))
        {
            return registration;
        }

        lock (_registrations)
        {
            _registrations.Remove(registration.Id);
        }

        return null;
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
        lock (_registrations)
        {
            _registrations.Remove(registration.Id);
        }

        // Before the descriptor closes: afterwards its number may belong to another socket.
        byte* ev = stackalloc byte[LinuxUdp.MaxEpollEventSize];
        LinuxUdp.EpollCtl(_epoll, LinuxUdp.EpollCtlDel, registration.Fd, ev);
    }

    /// <summary>One socket's place in the poller.</summary>
    internal sealed class Registration
    {
        private readonly DialedSocketPoller _poller;
        private readonly Func<int, bool> _drain;
        private readonly Lock _draining = new();
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _done;

        public Registration(DialedSocketPoller poller, long id, int fd, Func<int, bool> drain)
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
