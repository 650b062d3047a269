using System.Runtime.InteropServices;

namespace Kcp.LinkEmulator.Link;

/// <summary>
/// One TUN device (IFF_TUN | IFF_NO_PI: whole IP packets, no header) opened non-blocking. The device lives as long as
/// this descriptor; it may be moved to another network namespace while open and the descriptor keeps working.
/// </summary>
internal sealed unsafe class TunDevice : IDisposable
{
    private const nuint TunSetIff = 0x400454ca;
    private const short IffTun = 0x0001;
    private const short IffNoPi = 0x1000;

    private int _fd;

    private TunDevice(string name, int fd)
    {
        Name = name;
        _fd = fd;
    }

    /// <summary>The interface name (at most 15 bytes).</summary>
    public string Name { get; }

    /// <summary>The descriptor the forwarder polls, reads and writes.</summary>
    public int Fd => _fd;

    public static TunDevice Create(string name)
    {
        if (name.Length is 0 or > 15)
        {
            throw new ArgumentException($"A TUN device name has 1 to 15 characters (was '{name}').", nameof(name));
        }

        int fd = Native.open("/dev/net/tun", Native.ORdWr | Native.ONonBlock);
        if (fd < 0)
        {
            throw new IOException($"open /dev/net/tun failed (errno {Marshal.GetLastPInvokeError()}): root and the tun module are needed.");
        }

        // struct ifreq: 16 bytes of name, then the flags (a short) in a 24-byte union.
        byte* ifreq = stackalloc byte[40];
        new Span<byte>(ifreq, 40).Clear();
        System.Text.Encoding.ASCII.GetBytes(name, new Span<byte>(ifreq, 16));
        *(short*)(ifreq + 16) = IffTun | IffNoPi;
        if (Native.ioctl(fd, TunSetIff, ifreq) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Native.close(fd);
            throw new IOException($"ioctl TUNSETIFF '{name}' failed (errno {errno}).");
        }

        return new TunDevice(name, fd);
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Native.close(fd);
        }
    }
}
