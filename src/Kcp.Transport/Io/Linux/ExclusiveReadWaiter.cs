namespace Kcp.Transport.Io.Linux;

/// <summary>
/// One receive loop's wait for a readable socket that several loops share: an epoll instance of its own with the
/// socket registered EPOLLEXCLUSIVE, so a datagram wakes one loop instead of all of them (with poll every loop wakes,
/// and all but one find the socket empty again: a wasted wake-up per datagram on a two-core machine). Falls back to
/// poll where epoll refuses the flag (kernels before 4.5, filtered system calls).
/// </summary>
internal sealed unsafe class ExclusiveReadWaiter : IDisposable
{
    private readonly int _fd;
    private readonly int _epoll;

    public ExclusiveReadWaiter(int fd)
    {
        _fd = fd;
        _epoll = LinuxUdp.EpollCreate(LinuxUdp.EpollCloexec);
        if (_epoll < 0)
        {
            return;
        }

        if (!LinuxUdp.EpollAdd(_epoll, fd, LinuxUdp.EpollIn | LinuxUdp.EpollExclusive, data: 0))
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

        byte* ready = stackalloc byte[LinuxUdp.MaxEpollEventSize];
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
