namespace Kcp.Transport.Protocol;

/// <summary>
/// The one thing we add to the wire: a single KCP segment with command 0xFE that tells a peer of ours a session ended,
/// and how (its frg byte, <see cref="KcpCloseKind"/>). kcp-go rejects unknown commands before touching any state
/// (kcp-wire.md §2.4 step 1, "cmd ∉ {81..84} → −3"), so a kcp-go peer only counts it in KCPInErrors; and its sn is never
/// 0, so a kcp-go listener never treats it as a new conversation. Earlier versions of ours read every kind as a
/// graceful close.
/// </summary>
internal static class KcpCloseNotice
{
    public const byte Command = 0xFE;
    public const int Size = KcpSegmentHeader.Size;

    /// <summary>Writes the notice of <paramref name="kind"/> for <paramref name="conv"/> into <paramref name="segment"/> (24 bytes).</summary>
    public static void Write(Span<byte> segment, uint conv, uint ts, KcpCloseKind kind)
        => KcpSegmentHeader.Write(segment, conv, Command, frg: (byte)kind, wnd: 0, ts, sn: uint.MaxValue, una: 0, length: 0);

    /// <summary>True when <paramref name="kcp"/> is exactly one notice for <paramref name="conv"/>; an unknown kind reads as an abort.</summary>
    public static bool TryRead(ReadOnlySpan<byte> kcp, uint conv, out KcpCloseKind kind)
    {
        kind = default;
        if (kcp.Length != Size || KcpSegmentHeader.Read(kcp) is not { Command: Command } header || header.Conv != conv)
        {
            return false;
        }

        kind = header.Fragment <= (byte)KcpCloseKind.Reset ? (KcpCloseKind)header.Fragment : KcpCloseKind.Abort;
        return true;
    }
}
