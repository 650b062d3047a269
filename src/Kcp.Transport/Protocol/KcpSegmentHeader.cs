using System.Buffers.Binary;

namespace Kcp.Transport.Protocol;

/// <summary>The 24-byte KCP segment header, little-endian on the wire (kcp-wire.md §2.1).</summary>
internal readonly record struct KcpSegmentHeader(
    uint Conv, byte Command, byte Fragment, ushort Window, uint Timestamp, uint SequenceNumber, uint Una, uint Length)
{
    /// <summary>Encoded size of a header.</summary>
    public const int Size = 24;

    /// <summary>Decodes a header from the first 24 bytes of <paramref name="source"/>.</summary>
    public static KcpSegmentHeader Read(ReadOnlySpan<byte> source)
    {
        // One bounds check up front; the field reads below then cannot fail.
        _ = source[Size - 1];
        return new KcpSegmentHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(source),
            source[4],
            source[5],
            BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]));
    }

    /// <summary>Encodes this header into the first 24 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination) =>
        Write(destination, Conv, Command, Fragment, Window, Timestamp, SequenceNumber, Una, Length);

    /// <summary>Encodes a header from its fields without building the struct first.</summary>
    public static void Write(
        Span<byte> destination, uint conv, byte cmd, byte frg, ushort wnd, uint ts, uint sn, uint una, uint length)
    {
        _ = destination[Size - 1];
        BinaryPrimitives.WriteUInt32LittleEndian(destination, conv);
        destination[4] = cmd;
        destination[5] = frg;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], wnd);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], ts);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], sn);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], una);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], length);
    }
}
