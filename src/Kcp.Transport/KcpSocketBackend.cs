namespace Kcp.Transport;

/// <summary>How a listener's or client's UDP socket talks to the kernel (<see cref="KcpOptions.SocketBackend"/>).</summary>
public enum KcpSocketBackend
{
    /// <summary><see cref="BatchedWithOffload"/> where the platform allows it (64-bit Linux), else <see cref="Portable"/>.</summary>
    Auto,

    /// <summary>One system call per datagram through <see cref="System.Net.Sockets.Socket"/>: every platform.</summary>
    Portable,

    /// <summary>Linux recvmmsg/sendmmsg: many datagrams per system call. Falls back to <see cref="Portable"/> elsewhere.</summary>
    Batched,

    /// <summary><see cref="Batched"/> plus UDP GSO (UDP_SEGMENT) on sends and GRO on listeners' receives where the kernel has them.</summary>
    BatchedWithOffload,
}
