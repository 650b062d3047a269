using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Ingress;

/// <summary>
/// One received datagram after the ingress opened and classified it (kcp-wire.md §1.3): the layers are read once, here,
/// and the session that receives it reads them from this instead of parsing again.
/// </summary>
internal readonly ref struct InboundPacket
{
    public InboundPacket(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> payload, bool isFec, FecHeader fec, ReadOnlySpan<byte> kcp)
    {
        Datagram = datagram;
        Payload = payload;
        IsFec = isFec;
        Fec = fec;
        Kcp = kcp;
    }

    /// <summary>The opened datagram, protection header and trailer included (a session's replay check reads its nonce).</summary>
    public ReadOnlySpan<byte> Datagram { get; }

    /// <summary>What the protection carried: an FEC shard, or a raw KCP part.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>True for an FEC data or parity shard.</summary>
    public bool IsFec { get; }

    /// <summary>True for kcp-go's out-of-band datagram (FEC type 0xF3): <see cref="Payload"/> holds it, <see cref="Kcp"/> is empty.</summary>
    public bool IsOob => OobPacket.Is(Payload);

    /// <summary>The FEC header, when <see cref="IsFec"/>.</summary>
    public FecHeader Fec { get; }

    /// <summary>The KCP segments: the raw payload, or a data shard's part after its size field; empty for a parity shard.</summary>
    public ReadOnlySpan<byte> Kcp { get; }

    /// <summary>Bytes on the wire, for the amplification budget.</summary>
    public int WireLength => Datagram.Length;

    /// <summary>The conversation of the first KCP segment (or of an out-of-band datagram), when there is one.</summary>
    public bool TryGetConversation(out uint conv)
    {
        if (IsOob)
        {
            conv = OobPacket.ReadConversation(Payload);
            return true;
        }

        if (Kcp.Length < KcpSegmentHeader.Size)
        {
            conv = 0;
            return false;
        }

        conv = KcpSegmentHeader.Read(Kcp).Conv;
        return true;
    }
}
