using System.Buffers.Binary;

namespace Kcp.Transport;

/// <summary>
/// The one thing we add to the wire: a single KCP segment with command 0xFE that tells a peer of ours the session
/// closed. kcp-go rejects unknown commands before touching any state (kcp-wire.md §2.4 step 1, "cmd ∉ {81..84} →
/// −3"), so a kcp-go peer only counts it in KCPInErrors; and its sn is never 0, so a kcp-go listener never treats it
/// as a new conversation.
/// </summary>
internal static class KcpCloseNotice
{
    public const byte Command = 0xFE;
    public const int Size = KcpPacketInspector.KcpHeaderSize;

    /// <summary>Writes the notice for <paramref name="conv"/> into <paramref name="segment"/> (24 bytes).</summary>
    public static void Write(Span<byte> segment, uint conv, uint ts)
    {
        segment.Slice(0, Size).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(segment, conv);
        segment[4] = Command;
        BinaryPrimitives.WriteUInt32LittleEndian(segment.Slice(8), ts);
        BinaryPrimitives.WriteUInt32LittleEndian(segment.Slice(12), uint.MaxValue);
    }

    /// <summary>True when <paramref name="kcp"/> is exactly one close notice for <paramref name="conv"/>.</summary>
    public static bool Is(ReadOnlySpan<byte> kcp, uint conv)
        => kcp.Length == Size && kcp[4] == Command && BinaryPrimitives.ReadUInt32LittleEndian(kcp) == conv;
}
