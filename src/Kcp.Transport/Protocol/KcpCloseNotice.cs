namespace Kcp.Transport.Protocol;

/// <summary>
/// The one thing we add to the wire: a single KCP segment with command 0xFE that tells a peer of ours the session
/// closed. kcp-go rejects unknown commands before touching any state (kcp-wire.md §2.4 step 1, "cmd ∉ {81..84} →
/// −3"), so a kcp-go peer only counts it in KCPInErrors; and its sn is never 0, so a kcp-go listener never treats it
/// as a new conversation.
/// </summary>
internal static class KcpCloseNotice
{
    public const byte Command = 0xFE;
    public const int Size = KcpSegmentHeader.Size;

    /// <summary>Writes the notice for <paramref name="conv"/> into <paramref name="segment"/> (24 bytes).</summary>
    public static void Write(Span<byte> segment, uint conv, uint ts)
        => KcpSegmentHeader.Write(segment, conv, Command, frg: 0, wnd: 0, ts, sn: uint.MaxValue, una: 0, length: 0);

    /// <summary>True when <paramref name="kcp"/> is exactly one close notice for <paramref name="conv"/>.</summary>
    public static bool Is(ReadOnlySpan<byte> kcp, uint conv)
        => kcp.Length == Size && KcpSegmentHeader.Read(kcp) is { Command: Command } header && header.Conv == conv;
}
