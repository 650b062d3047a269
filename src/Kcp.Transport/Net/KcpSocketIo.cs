namespace Kcp.Transport;

/// <summary>How a <see cref="KcpUdpSocket"/> talks to the kernel.</summary>
internal enum KcpSocketIo
{
    /// <summary><see cref="Offload"/> where the platform allows it, else <see cref="Portable"/>; the KCP_SOCKET_IO environment variable (portable, batch, offload) overrides it.</summary>
    Auto,

    /// <summary>One system call per datagram through <see cref="System.Net.Sockets.Socket"/>: every platform.</summary>
    Portable,

    /// <summary>Linux recvmmsg/sendmmsg: many datagrams per system call.</summary>
    Batch,

    /// <summary><see cref="Batch"/> plus UDP GSO (UDP_SEGMENT) on sends and GRO on receives where the kernel has them.</summary>
    Offload,
}
