using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Ingress;

/// <summary>
/// The receive steps every datagram takes before it is routed (kcp-wire.md §1.3), each layer read once: size limit,
/// opening (decryption and checksum, or AEAD), FEC header, KCP part.
/// </summary>
internal static class DatagramClassifier
{
    /// <summary>kcp-go's receive buffer size; longer datagrams never reach a kcp-go peer intact.</summary>
    public const int MaxDatagramSize = FecPacket.MaxDatagramSize;

    /// <summary>
    /// Opens <paramref name="datagram"/> in place and reads its layers into <paramref name="packet"/>; false with the
    /// drop reason when it cannot be used. <see cref="PacketDropReason.BadChecksum"/> means it failed to authenticate.
    /// </summary>
    public static bool TryClassify(PacketProtection protection, Span<byte> datagram, out InboundPacket packet, out PacketDropReason reason)
    {
        packet = default;
        reason = default;
        if (datagram.Length > MaxDatagramSize)
        {
            reason = PacketDropReason.TooLong;
            return false;
        }

        switch (protection.Open(datagram))
        {
            case OpenResult.TooShort:
                reason = PacketDropReason.DecryptFailed;
                return false;
            case OpenResult.Forged:
                reason = PacketDropReason.BadChecksum;
                return false;
        }

        ReadOnlySpan<byte> payload = datagram[protection.HeaderSize..^protection.TrailerSize];
        if (OobPacket.Is(payload))
        {
            // An out-of-band datagram may be shorter than a KCP header (kcp-go allows an empty one: 12 bytes).
            packet = new InboundPacket(datagram, payload, isFec: false, default, default);
            return true;
        }

        if (payload.Length < KcpSegmentHeader.Size)
        {
            reason = PacketDropReason.TooShort;
            return false;
        }

        if (!FecHeader.TryRead(payload, out FecHeader fec))
        {
            packet = new InboundPacket(datagram, payload, isFec: false, default, payload);
            return true;
        }

        ReadOnlySpan<byte> kcp = fec.IsData ? payload[FecPacket.HeaderSizePlus2..] : default;
        packet = new InboundPacket(datagram, payload, isFec: true, fec, kcp);
        return true;
    }
}
