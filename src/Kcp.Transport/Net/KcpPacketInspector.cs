using System.Buffers.Binary;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport;

/// <summary>
/// Reads just enough of a decrypted datagram to route it (kcp-wire.md §1.3 step 4 and §5.2): FEC or raw KCP, the
/// conversation and first sequence number, and whether its KCP part is well formed enough to open a session.
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

    /// <summary>
    /// Checks that a KCP part is a sequence of whole segments of one conversation with known commands, and returns
    /// that conversation and the first segment's sn. Malformed parts never open a session.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<byte> kcp, out uint conv, out uint firstSn, out bool hasPush)
    {
        conv = 0;
        firstSn = 0;
        hasPush = false;
        if (kcp.Length < KcpHeaderSize)
        {
            return false;
        }

        conv = BinaryPrimitives.ReadUInt32LittleEndian(kcp);
        firstSn = BinaryPrimitives.ReadUInt32LittleEndian(kcp.Slice(12));
        while (kcp.Length >= KcpHeaderSize)
        {
            byte cmd = kcp[4];
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(kcp.Slice(20));
            if (BinaryPrimitives.ReadUInt32LittleEndian(kcp) != conv || !KcpCommand.IsValid(cmd)
                || length > (uint)(kcp.Length - KcpHeaderSize))
            {
                return false;
            }

            hasPush |= cmd == KcpCommand.Push;
            kcp = kcp.Slice(KcpHeaderSize + (int)length);
        }

        // Trailing bytes shorter than a header are ignored by kcp-go; a valid part has none.
        return kcp.IsEmpty;
    }

    /// <summary>
    /// For a part <see cref="TryValidate"/> accepted: whether it holds a fresh PUSH (sn below the receive window, as a new
    /// client's first segments) and whether it holds a PUSH with sn 0 (a restarted client, kcp-go's takeover rule).
    /// </summary>
    public static void ScanPushes(ReadOnlySpan<byte> kcp, uint receiveWindow, out bool freshPush, out bool pushSn0)
    {
        freshPush = false;
        pushSn0 = false;
        while (kcp.Length >= KcpHeaderSize)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(kcp.Slice(20));
            if (kcp[4] == KcpCommand.Push)
            {
                uint sn = BinaryPrimitives.ReadUInt32LittleEndian(kcp.Slice(12));
                freshPush |= sn < receiveWindow;
                pushSn0 |= sn == 0;
            }

            kcp = kcp.Slice(KcpHeaderSize + (int)Math.Min(length, (uint)(kcp.Length - KcpHeaderSize)));
        }
    }
}
