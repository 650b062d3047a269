using System.Buffers.Binary;

namespace Kcp.Transport.Fec;

/// <summary>Layout of kcp-go's FEC header and the helpers shared by the encoder and the decoder (kcp-wire.md §3.1).</summary>
/// <remarks>
/// <c>| seqid u32 LE | type u16 LE | size u16 LE (data shards only) | KCP part |</c>; with crypto it sits behind the
/// crypto header and is covered by it.
/// </remarks>
internal static class FecPacket
{
    /// <summary>seqid (4) + type (2).</summary>
    public const int HeaderSize = 6;

    /// <summary>The header plus the size field a data shard carries; the least an FEC packet may be (kcp-wire.md §1.3).</summary>
    public const int HeaderSizePlus2 = HeaderSize + SizeFieldSize;

    /// <summary>Bytes of the size field, which counts itself: size = 2 + len(KCP part).</summary>
    public const int SizeFieldSize = 2;

    /// <summary>Type of a data shard.</summary>
    public const ushort TypeData = 0xF1;

    /// <summary>Type of a parity shard.</summary>
    public const ushort TypeParity = 0xF2;

    /// <summary>kcp-go's read buffer size and largest datagram (<c>mtuLimit</c>); shard buffers are this long.</summary>
    public const int MaxDatagramSize = 1500;

    /// <summary>kcp-go drops FEC packets of groups this old (<c>fecExpire</c>, 60 s).</summary>
    public const uint ExpireMilliseconds = 60_000;

    public static uint ReadSeqId(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    public static ushort ReadType(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);

    /// <summary>Writes seqid and type at the start of <paramref name="header"/>.</summary>
    public static void WriteHeader(Span<byte> header, uint seqId, ushort type)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, seqId);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
    }

    /// <summary>
    /// The seqid bound ("protect against wrapped sequence numbers"): the largest multiple of the shard count not above
    /// 2^32 − 1, so every group occupies ds+ps consecutive seqids even across the wrap.
    /// </summary>
    public static uint Paws(int totalShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalShards, 1);
        return uint.MaxValue / (uint)totalShards * (uint)totalShards;
    }
}
