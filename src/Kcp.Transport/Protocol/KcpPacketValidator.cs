namespace Kcp.Transport.Protocol;

/// <summary>
/// Reads just enough of a KCP part (one datagram's segments) to route it (kcp-wire.md §1.3 step 4 and §5.2): whether it
/// is a sequence of whole segments of one conversation with known commands, and what its PUSH segments say about a
/// new session. Malformed parts never open a session.
/// </summary>
internal static class KcpPacketValidator
{
    /// <summary>
    /// Checks that <paramref name="kcp"/> is a sequence of whole segments of one conversation with known commands and
    /// returns that conversation. Trailing bytes shorter than a header, which kcp-go ignores, make it invalid too.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<byte> kcp, out uint conv)
    {
        conv = 0;
        if (kcp.Length < KcpSegmentHeader.Size)
        {
            return false;
        }

        conv = KcpSegmentHeader.Read(kcp).Conv;
        while (kcp.Length >= KcpSegmentHeader.Size)
        {
            KcpSegmentHeader header = KcpSegmentHeader.Read(kcp);
            if (header.Conv != conv || !KcpCommand.IsValid(header.Command) || header.Length > (uint)(kcp.Length - KcpSegmentHeader.Size))
            {
                return false;
            }

            kcp = kcp.Slice(KcpSegmentHeader.Size + (int)header.Length);
        }

        return kcp.IsEmpty;
    }

    /// <summary>
    /// For a part <see cref="TryValidate"/> accepted: whether it holds a fresh PUSH (sn below the receive window, as a new
    /// client's first segments), whether it holds a PUSH with sn 0 (a restarted client, kcp-go's takeover rule), and
    /// whether its sender already received data in this conversation (una above 0: a new conversation's segments all
    /// carry una 0, so this one began with a server that is gone). <paramref name="firstPushTs"/> is the timestamp of
    /// its first PUSH (a retransmission carries the time it was sent again).
    /// </summary>
    public static void ScanPushes(ReadOnlySpan<byte> kcp, uint receiveWindow, out bool freshPush, out bool pushSn0, out bool hasReceived, out uint firstPushTs)
    {
        freshPush = false;
        pushSn0 = false;
        bool anyPush = false;
        firstPushTs = 0;
        hasReceived = kcp.Length >= KcpSegmentHeader.Size && KcpSegmentHeader.Read(kcp).Una != 0;
        while (kcp.Length >= KcpSegmentHeader.Size)
        {
            KcpSegmentHeader header = KcpSegmentHeader.Read(kcp);
            if (header.Command == KcpCommand.Push)
            {
                firstPushTs = anyPush ? firstPushTs : header.Timestamp;
                anyPush = true;
                freshPush |= header.SequenceNumber < receiveWindow;
                pushSn0 |= header.SequenceNumber == 0;
            }

            kcp = kcp.Slice(KcpSegmentHeader.Size + (int)Math.Min(header.Length, (uint)(kcp.Length - KcpSegmentHeader.Size)));
        }
    }
}
