using System.Runtime.InteropServices;

namespace Kcp.Transport.Io.Linux;

/// <summary>
/// The Linux system calls behind batched UDP I/O (recvmmsg, sendmmsg, poll, epoll, eventfd, UDP_SEGMENT/UDP_GRO),
/// LP64 layouts. Only the Linux backend uses them, and only after <see cref="IsSupported"/> said yes.
/// </summary>
internal static unsafe partial class LinuxUdp
{
    public const int SolSocket = 1;
    public const int SoReusePort = 15;
    public const int SolUdp = 17;
    public const int UdpSegment = 103;
    public const int UdpGro = 104;
    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const short PollIn = 0x1;
    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EAgain = 11;
    public const int ENoBufs = 105;
    public const int EInval = 22;
    public const int EMsgSize = 90;
    public const int EOpNotSupp = 95;

    /// <summary>Room for any socket address (sockaddr_in6 is 28 bytes).</summary>
    public const int NameSize = 32;

    /// <summary>CMSG_SPACE(sizeof(int)): one cmsghdr (16 bytes) and its padded int or uint16.</summary>
    public const int ControlSize = 24;

    /// <summary>Linux's UDP_MAX_SEGMENTS: the most datagrams one GSO send may carry.</summary>
    public const int MaxGsoSegments = 64;

    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x1;
    public const uint EpollExclusive = 1u << 28;

    // struct epoll_event { uint32 events; uint64 data; } is packed (12 bytes) on x86-64 and 16 bytes on arm64.
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int EpollDataOffset = EpollEventSize - 8;

    /// <summary>Room for one epoll_event on every architecture.</summary>
    public const int MaxEpollEventSize = 16;

    private static readonly Lazy<bool> s_supported = new(Probe);

    /// <summary>True on 64-bit Linux where recvmmsg and sendmmsg can be called.</summary>
    public static bool IsSupported => s_supported.Value;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, void* eventData);

    /// <summary>Adds <paramref name="fd"/> to <paramref name="epoll"/> for <paramref name="events"/>, tagged with <paramref name="data"/>: true on success.</summary>
    public static bool EpollAdd(int epoll, int fd, uint events, long data)
    {
        byte* registration = stackalloc byte[MaxEpollEventSize];
        new Span<byte>(registration, MaxEpollEventSize).Clear();
        *(uint*)registration = events;
        *(long*)(registration + EpollDataOffset) = data;
        return EpollCtl(epoll, EpollCtlAdd, fd, registration) == 0;
    }

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public const int EfdCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    /// <summary>Waits until <paramref name="fd"/> is readable or writable (<paramref name="events"/>), at most <paramref name="timeoutMs"/>.</summary>
    public static void Wait(int fd, short events, int timeoutMs)
    {
        var pollFd = new PollFd { Fd = fd, Events = events };
        Poll(&pollFd, 1, timeoutMs);
    }

    /// <summary>
    /// Sets SO_REUSEPORT, before bind: sockets of one user that all set it may bind the same address and port, and the
    /// kernel spreads datagrams over them by a hash of the 4-tuple. Throws a <see cref="SocketException"/> if refused.
    /// </summary>
    public static void SetReusePort(Socket socket) => socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));

    /// <summary>True when the kernel accepts UDP_SEGMENT (GSO) on this socket.</summary>
    public static bool ProbeGso(int fd)
    {
        int value = 0;
        uint length = sizeof(int);
        return GetSockOpt(fd, SolUdp, UdpSegment, &value, &length) == 0;
    }

    /// <summary>Turns UDP_GRO on; false when the kernel does not have it.</summary>
    public static bool EnableGro(int fd)
    {
        int one = 1;
        return SetSockOpt(fd, SolUdp, UdpGro, &one, sizeof(int)) == 0;
    }

    /// <summary>The GRO segment size in a received message's control data, or 0 when the message is one datagram.</summary>
    public static int ReadGroSize(in MsgHdr header)
    {
        if (header.ControlLength < (nuint)sizeof(CMsgHdr))
        {
            return 0;
        }

        var cmsg = (CMsgHdr*)header.Control;
        return cmsg->Level == SolUdp && cmsg->Type == UdpGro ? *(int*)(cmsg + 1) : 0;
    }

    /// <summary>Writes the UDP_SEGMENT control message that splits one send into <paramref name="segmentSize"/>-byte datagrams.</summary>
    public static void WriteGsoControl(byte* control, ushort segmentSize)
    {
        var cmsg = (CMsgHdr*)control;
        cmsg->Length = (nuint)(sizeof(CMsgHdr) + sizeof(ushort));
        cmsg->Level = SolUdp;
        cmsg->Type = UdpSegment;
        *(ushort*)(cmsg + 1) = segmentSize;
    }

    /// <summary>The <see cref="System.Net.Sockets.SocketError"/> for a Linux errno of a socket call.</summary>
    public static System.Net.Sockets.SocketError ToSocketError(int errno) => errno switch
    {
        1 or 13 => System.Net.Sockets.SocketError.AccessDenied,
        11 => System.Net.Sockets.SocketError.WouldBlock,
        90 => System.Net.Sockets.SocketError.MessageSize,
        101 => System.Net.Sockets.SocketError.NetworkUnreachable,
        105 => System.Net.Sockets.SocketError.NoBufferSpaceAvailable,
        111 => System.Net.Sockets.SocketError.ConnectionRefused,
        113 => System.Net.Sockets.SocketError.HostUnreachable,
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8 || sizeof(MMsgHdr) != 64)
        {
            return false;
        }

        try
        {
            // A call on an invalid descriptor proves both entry points exist without touching a socket.
            RecvMMsg(-1, null, 0, MsgDontWait, null);
            SendMMsg(-1, null, 0, 0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
