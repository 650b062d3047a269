namespace Kcp.Transport;

/// <summary>
/// One receive loop's wait for a readable socket that several loops share: an epoll instance of its own with the
/// socket registered EPOLLEXCLUSIVE, so a datagram wakes one loop instead of all of them (with poll every loop wakes,
/// and all but one find the socket empty again: a wasted wake-up per datagram on a two-core machine). Falls back to
/// poll where epoll refuses the flag (kernels before 4.5, filtered system calls).
/// </summary>
internal sealed unsafe class ExclusiveReadWaiter : IDisposable
{
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x1;
    private const uint EpollExclusive = 1u << 28;

    // struct epoll_event is 12 bytes (packed) on x86-64 and 16 on arm64; events come first in both.
    private const int EventSize = 16;

    private readonly int _fd;
    private readonly int _epoll;

    public ExclusiveReadWaiter(int fd)
    {
        _fd = fd;
        _epoll = LinuxUdp.EpollCreate(EpollCloexec);
        if (_epoll < 0)
        {
            return;
        }

        byte* registration = stackalloc byte[EventSize];
        new Span<byte>(registration, EventSize).Clear();
        *(uint*)registration = EpollIn | EpollExclusive;
        if (LinuxUdp.EpollCtl(_epoll, EpollCtlAdd, fd, registration) != 0)
        {
            LinuxUdp.Close(_epoll);
            _epoll = -1;
        }
    }

    /// <summary>True when waits go through epoll; false when they fall back to poll.</summary>
    public bool IsExclusive => _epoll >= 0;

    /// <summary>Waits until the socket is readable (or another loop took what arrived), at most <paramref name="timeoutMs"/>.</summary>
    public void Wait(int timeoutMs)
    {
        if (_epoll < 0)
        {
            LinuxUdp.Wait(_fd, LinuxUdp.PollIn, timeoutMs);
            return;
        }

        byte* ready = stackalloc byte[EventSize];
        LinuxUdp.EpollWait(_epoll, ready, 1, timeoutMs);
    }

    public void Dispose()
    {
        if (_epoll >= 0)
        {
            LinuxUdp.Close(_epoll);
        }
    }
}
