using System.Net;

namespace Kcp.Transport;

/// <summary>Receives every datagram a <see cref="KcpUdpSocket"/> reads, synchronously on a receive loop.</summary>
internal interface IDatagramHandler
{
    /// <summary>Handles one datagram. The span and the address are reused by the loop after the call returns.</summary>
    void OnDatagram(Span<byte> datagram, SocketAddress remote);
}
