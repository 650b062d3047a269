using System.Buffers.Binary;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The 8-byte smux frame header: version (1 byte), command (1), payload length (2, little-endian), stream id (4,
/// little-endian), followed by the payload. An UPD frame's payload is the consumed byte count and the window, both
/// 4-byte little-endian. This is the one place that knows the layout.
/// </summary>
internal readonly record struct SmuxFrameHeader(byte Version, SmuxCommand Command, ushort Length, uint StreamId)
{
    /// <summary>Bytes in a header.</summary>
    public const int Size = 8;

    /// <summary>Bytes in an UPD frame's payload.</summary>
    public const int UpdateSize = 8;

    /// <summary>The highest command byte smux knows (UPD).</summary>
    public const byte MaxCommand = (byte)SmuxCommand.Upd;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes of <paramref name="source"/>; the command is not checked.</summary>
    public static SmuxFrameHeader Read(ReadOnlySpan<byte> source) => new(
        source[0],
        (SmuxCommand)source[1],
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]));

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Command;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], StreamId);
    }

    /// <summary>Reads an UPD payload: the bytes the peer's reader consumed so far (wrapping) and its window.</summary>
    public static (uint Consumed, uint Window) ReadUpdate(ReadOnlySpan<byte> payload) => (
        BinaryPrimitives.ReadUInt32LittleEndian(payload),
        BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));

    /// <summary>Writes an UPD payload.</summary>
    public static void WriteUpdate(Span<byte> destination, uint consumed, uint window)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, consumed);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], window);
    }
}
