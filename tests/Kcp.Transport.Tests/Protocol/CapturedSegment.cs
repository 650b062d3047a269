using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>One decoded segment of a captured datagram.</summary>
internal sealed record CapturedSegment(KcpSegmentHeader Header, byte[] Data)
{
    public byte Command => Header.Command;

    public uint Sn => Header.SequenceNumber;
}
