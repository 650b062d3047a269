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

internal sealed record CapturedSegment(KcpSegmentHeader Header, byte[] Data)
{
    public byte Command => Header.Command;

    public uint Sn => Header.SequenceNumber;
}

/// <summary>Builds raw KCP parts for Input.</summary>
internal static class Segments
{
    public static byte[] Build(params (KcpSegmentHeader Header, byte[] Data)[] segments)
    {
        var bytes = new List<byte>();
        foreach (var (header, data) in segments)
        {
            byte[] raw = new byte[KcpSegmentHeader.Size + data.Length];
            (header with { Length = (uint)data.Length }).Write(raw);
            data.CopyTo(raw, KcpSegmentHeader.Size);
            bytes.AddRange(raw);
        }

        return [.. bytes];
    }

    public static (KcpSegmentHeader, byte[]) Push(uint conv, uint sn, uint ts, byte[] data, uint una = 0, ushort wnd = 32, byte frg = 0) =>
        (new KcpSegmentHeader(conv, KcpCommand.Push, frg, wnd, ts, sn, una, 0), data);

    public static (KcpSegmentHeader, byte[]) Ack(uint conv, uint sn, uint ts, uint una = 0, ushort wnd = 32) =>
        (new KcpSegmentHeader(conv, KcpCommand.Ack, 0, wnd, ts, sn, una, 0), []);

    public static (KcpSegmentHeader, byte[]) Control(uint conv, byte cmd, uint una = 0, ushort wnd = 32) =>
        (new KcpSegmentHeader(conv, cmd, 0, wnd, 0, 0, una, 0), []);
}
