namespace Kcp.Transport.Fec;

/// <summary>
/// The FEC header of one packet, parsed once where the datagram is classified and handed on (kcp-wire.md §3.1):
/// the shard's sequence id and whether it is a data or a parity shard.
/// </summary>
internal readonly record struct FecHeader(uint SeqId, ushort Type)
{
    /// <summary>True for a data shard (its KCP part follows the size field), false for a parity shard.</summary>
    public bool IsData => Type == FecPacket.TypeData;

    /// <summary>
    /// Reads the header when <paramref name="packet"/> (after crypto) is an FEC data or parity shard rather than a raw
    /// KCP part. Unambiguous: byte 4 of a raw KCP part is its cmd (81..84), never 0xF1/0xF2 (kcp-wire.md §1.3).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out FecHeader header)
    {
        if (packet.Length < FecPacket.HeaderSize)
        {
            header = default;
            return false;
        }

        header = new FecHeader(FecPacket.ReadSeqId(packet), FecPacket.ReadType(packet));
        return header.Type is FecPacket.TypeData or FecPacket.TypeParity;
    }
}
