using System.Net;
using System.Net.Sockets;

namespace Kcp.Tests.Shared;

/// <summary>
/// Ports that were free a moment ago, for processes and URLs that need a fixed port (bound and released: the caller
/// binds it right after). Linked into every test project that starts servers on fixed ports.
/// </summary>
internal static class FreePorts
{
    /// <summary>A free UDP port on 127.0.0.1.</summary>
    public static int FreeUdpPort() => Free(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp), IPAddress.Loopback);

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreeTcpPort() => Free(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), IPAddress.Loopback);

    /// <summary>A UDP port free on every address, IPv4 and IPv6 (for <c>kcp://*:port</c> and <c>kcp://localhost:port</c>).</summary>
    public static int FreeAnyAddressUdpPort()
        => Free(new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true }, IPAddress.IPv6Any);

    private static int Free(Socket socket, IPAddress address)
    {
        using (socket)
        {
            socket.Bind(new IPEndPoint(address, 0));
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
    }
}
