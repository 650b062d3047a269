using Kcp.Transport.Crypto;

namespace Kcp.Transport;

/// <summary>Header arithmetic of the layers between KCP and UDP (kcp-wire.md §1.4, 5.6.1 rules).</summary>
internal static class PacketLayout
{
    /// <summary>FEC seqid (4), type (2) and the data shard's size field (2).</summary>
    public const int FecHeaderSizePlus2 = Fec.FecPacket.HeaderSizePlus2;

    /// <summary>kcp-go's receive buffer size; longer datagrams never reach a kcp-go peer intact.</summary>
    public const int MaxDatagramSize = Fec.FecPacket.MaxDatagramSize;

    public static bool FecEnabled(KcpOptions options) => options.DataShards > 0 && options.ParityShards > 0;

    /// <summary>Head-room the KCP engine reserves in front of its segments: the cipher's header plus the FEC header.</summary>
    public static int HeaderSize(int cryptHeader, KcpOptions options)
        => cryptHeader + (FecEnabled(options) ? FecHeaderSizePlus2 : 0);

    /// <summary>
    /// The receive steps every socket runs before routing a datagram (kcp-wire.md §1.3): size limit, decryption and
    /// checksum (or AEAD open), header removal, minimum KCP length. On success <paramref name="packet"/> is the FEC or
    /// KCP part, and <paramref name="datagram"/> the opened datagram the replay checks look at.
    /// </summary>
    public static bool TryOpen(
        PacketProtection protection, Span<byte> datagram, out Span<byte> packet, out Diagnostics.PacketDropReason reason)
    {
        packet = datagram;
        reason = default;
        if (datagram.Length > MaxDatagramSize)
        {
            reason = Diagnostics.PacketDropReason.TooLong;
            return false;
        }

        switch (protection.Open(datagram))
        {
            case OpenResult.TooShort:
                reason = Diagnostics.PacketDropReason.DecryptFailed;
                return false;
            case OpenResult.Forged:
                reason = Diagnostics.PacketDropReason.BadChecksum;
                return false;
        }

        packet = datagram[protection.HeaderSize..^protection.TrailerSize];
        if (packet.Length < KcpPacketInspector.KcpHeaderSize)
        {
            reason = Diagnostics.PacketDropReason.TooShort;
            return false;
        }

        return true;
    }

    /// <summary>The drop reason a replay or reflection verdict is counted under; null when the datagram was accepted.</summary>
    public static Diagnostics.PacketDropReason? Refusal(PacketVerdict verdict) => verdict switch
    {
        PacketVerdict.Accepted => null,
        PacketVerdict.Reflected => Diagnostics.PacketDropReason.Reflected,
        _ => Diagnostics.PacketDropReason.Replayed,
    };
}
