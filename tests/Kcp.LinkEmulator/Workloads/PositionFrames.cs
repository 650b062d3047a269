using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// The datagrams workload's wire: a position message is 64 bytes, <c>seq u32 | sent-at i64 (Stopwatch ticks, the
/// machine's one monotonic clock) | padding</c>, sent as one datagram or as a frame of the stream. Stream frames are
/// <c>type u8 | length u32 | payload</c>: 'R' ready (empty), 'B' bulk, 'P' a position, 'E' the end (payload: positions
/// sent, u64).
/// </summary>
internal static class PositionFrames
{
    public const int PositionSize = 64;
    public const int HeaderSize = 5;
    public const byte Bulk = (byte)'B';
    public const byte Position = (byte)'P';
    public const byte End = (byte)'E';
    public const byte Ready = (byte)'R';

    public static void WritePosition(Span<byte> destination, uint sequence)
    {
        destination[..PositionSize].Fill(0x5A);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[4..], Stopwatch.GetTimestamp());
    }

    public static long SentAt(ReadOnlySpan<byte> position) => BinaryPrimitives.ReadInt64LittleEndian(position[4..]);

    public static void WriteFrame(PipeWriter output, byte type, ReadOnlySpan<byte> payload)
    {
        Span<byte> span = output.GetSpan(HeaderSize + payload.Length);
        span[0] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(span[1..], (uint)payload.Length);
        payload.CopyTo(span[HeaderSize..]);
        output.Advance(HeaderSize + payload.Length);
    }

    /// <summary>Reads one whole frame off <paramref name="buffer"/>; false when it is not all there yet.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out byte type, out ReadOnlySequence<byte> payload)
    {
        type = 0;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        long length = BinaryPrimitives.ReadUInt32LittleEndian(header[1..]);
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        type = header[0];
        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }
}
