
namespace Kcp.Transport.Io;

/// <summary>Takes every datagram a <see cref="UdpSocket"/> reads, synchronously on one of its receive loops.</summary>
internal interface IDatagramReceiver
{
    /// <summary>
    /// Handles one datagram of <paramref name="turn"/>. The span and the address are reused by the loop after the call
    /// returns; the datagram may be changed in place (decrypted).
    /// </summary>
    void OnDatagram(Span<byte> datagram, SocketAddress remote, ReceiveTurn turn);
}
