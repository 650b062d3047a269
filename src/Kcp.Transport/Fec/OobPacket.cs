using System.Buffers.Binary;

namespace Kcp.Transport.Fec;

/// <summary>
/// kcp-go's out-of-band packet (v5.6.60 and later, <c>UDPSession.SendOOB</c>; kcp-wire.md §3.9): an unreliable datagram
/// beside the KCP stream, framed like an FEC packet so that every receiver tells it apart by the type field, and sealed
/// by the session's packet protection like any other datagram. It bypasses the FEC encoder and the engine.
/// </summary>
/// <remarks>
/// <c>| seqid u32 LE = 0xFFFFFFFF | type u16 LE = 0x00F3 | size u16 LE = 2 + 4 + len(payload) | conv u32 LE | payload |</c>.
/// kcp-go writes the size field (it reuses its data-shard framing) but never reads it: the payload is everything after
/// the conversation id, which is how we read it too.
/// </remarks>
internal static class OobPacket
{
    /// <summary>The FEC type of an out-of-band packet (data shards are 0xF1, parity 0xF2).</summary>
    public const ushort Type = 0xF3;

    /// <summary>The seqid every out-of-band packet carries: outside every FEC group, it never advances the encoder.</summary>
    public const uint SeqId = uint.MaxValue;

    /// <summary>FEC header, size field and conversation id: the bytes in front of the payload.</summary>
    public const int HeaderSize = FecPacket.HeaderSizePlus2 + ConversationSize;

    private const int ConversationSize = 4;

    /// <summary>True when <paramref name="packet"/> (after crypto) is an out-of-band packet with room for its conversation id.</summary>
    public static bool Is(ReadOnlySpan<byte> packet)
        => packet.Length >= HeaderSize && FecPacket.ReadType(packet) == Type;

    /// <summary>The conversation id of a packet <see cref="Is"/> accepted.</summary>
    public static uint ReadConversation(ReadOnlySpan<byte> packet)
        => BinaryPrimitives.ReadUInt32LittleEndian(packet[FecPacket.HeaderSizePlus2..]);

    /// <summary>The application's bytes of a packet <see cref="Is"/> accepted.</summary>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> packet) => packet[HeaderSize..];

    /// <summary>Writes the packet for <paramref name="payload"/> of <paramref name="conv"/> at the start of <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, uint conv, ReadOnlySpan<byte> payload)
    {
        int length = HeaderSize + payload.Length;
        FecPacket.WriteHeader(destination, SeqId, Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[FecPacket.HeaderSize..], (ushort)(length - FecPacket.HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[FecPacket.HeaderSizePlus2..], conv);
        payload.CopyTo(destination[HeaderSize..]);
        return length;
    }
}
