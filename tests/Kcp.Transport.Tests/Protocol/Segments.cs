using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

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
