using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Kcp.Transport.Tests.Support;

/// <summary>
/// Sends IPv4 UDP datagrams with any source address and port (a raw socket that writes the IP header itself; Linux,
/// root), as a source-spoofing flood does: on loopback every 127.0.0.0/8 address is local, so a listener on 127.0.0.1
/// sees datagrams from 127.0.0.x:any. Not thread-safe (one buffer).
/// </summary>
internal sealed class SpoofedUdpSender : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
    private readonly byte[] _packet = new byte[1500];

    /// <summary>Sends <paramref name="payload"/> to <paramref name="target"/> as if from <paramref name="source"/>.</summary>
    public void Send(ReadOnlySpan<byte> payload, IPEndPoint source, IPEndPoint target)
    {
        int length = 28 + payload.Length;
        Span<byte> p = _packet.AsSpan(0, length);
        p.Clear();
        p[0] = 0x45;                                                    // IPv4, 20-byte header
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)length);
        p[8] = 64;                                                      // TTL
        p[9] = 17;                                                      // UDP; the kernel fills in the id and checksum
        source.Address.TryWriteBytes(p[12..16], out _);
        target.Address.TryWriteBytes(p[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(p[20..], (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(p[22..], (ushort)target.Port);
        BinaryPrimitives.WriteUInt16BigEndian(p[24..], (ushort)(8 + payload.Length));   // checksum 0: none (IPv4)
        payload.CopyTo(p[28..]);
        try
        {
            _socket.SendTo(p, SocketFlags.None, new IPEndPoint(target.Address, 0));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.WouldBlock)
        {
            // Lost, as a flood's datagram may be.
        }
    }

    public void Dispose() => _socket.Dispose();
}
