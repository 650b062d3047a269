using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>Records every datagram an engine emits, and decodes them for assertions.</summary>
internal sealed class CapturingSink : IKcpOutputSink
{
    public List<byte[]> Datagrams { get; } = [];

    public void Output(Span<byte> datagram) => Datagrams.Add(datagram.ToArray());

    /// <summary>All segments of all datagrams so far (after <paramref name="reserved"/> head-room bytes), then forgets them.</summary>
    public List<CapturedSegment> Drain(int reserved = 0)
    {
        var segments = new List<CapturedSegment>();
        foreach (byte[] datagram in Datagrams)
        {
            segments.AddRange(Parse(datagram.AsSpan(reserved)));
        }

        Datagrams.Clear();
        return segments;
    }

    public static List<CapturedSegment> Parse(ReadOnlySpan<byte> part)
    {
        var segments = new List<CapturedSegment>();
        while (part.Length >= KcpSegmentHeader.Size)
        {
            var header = KcpSegmentHeader.Read(part);
            int length = (int)header.Length;
            segments.Add(new CapturedSegment(header, part.Slice(KcpSegmentHeader.Size, length).ToArray()));
            part = part[(KcpSegmentHeader.Size + length)..];
        }

        Assert.Equal(0, part.Length);
        return segments;
    }
}
