using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport;

/// <summary>
/// Reads just enough of a decrypted datagram to route it (kcp-wire.md §1.3 step 4): FEC or raw KCP, and its KCP part.
/// </summary>
internal static class KcpPacketInspector
{
    public const int KcpHeaderSize = KcpSegmentHeader.Size;

    /// <summary>True when the uint16 at offset 4 marks an FEC data or parity shard (it can never be a KCP cmd/frg pair).</summary>
    public static bool IsFec(ReadOnlySpan<byte> packet, out ushort type)
    {
        if (packet.Length < FecPacket.HeaderSize)
        {
            type = 0;
            return false;
        }

        type = FecPacket.ReadType(packet);
        return type is FecPacket.TypeData or FecPacket.TypeParity;
    }

    /// <summary>The KCP part of a packet, if it carries one: a raw packet, or an FEC data shard's payload.</summary>
    public static bool TryGetKcpPart(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> kcp)
    {
        if (!IsFec(packet, out ushort type))
        {
            kcp = packet;
            return true;
        }

        kcp = default;
        if (type != FecPacket.TypeData || packet.Length < FecPacket.HeaderSizePlus2 + KcpHeaderSize)
        {
            return false;
        }

        kcp = packet.Slice(FecPacket.HeaderSizePlus2);
        return true;
    }
}
