using System.Runtime.InteropServices;

namespace Kcp.LinkEmulator.Link;

/// <summary>The few libc calls a TUN device needs: open, ioctl(TUNSETIFF), poll, read, write, close.</summary>
internal static unsafe partial class Native
{
    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    public const short PollIn = 0x1;
    public const int EAgain = 11;
    public const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);
}
