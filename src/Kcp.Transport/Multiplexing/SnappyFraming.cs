using System.Buffers.Binary;
using System.Numerics;

namespace Kcp.Transport.Multiplexing;

/// <summary>
/// The snappy framing format (google/snappy framing_format.txt), as kcptun's compressed stream uses it: a stream
/// identifier chunk first, then chunks of a type byte, a 3-byte little-endian length and a body. Data chunks (compressed
/// or not) start their body with the masked CRC-32C of the uncompressed bytes and hold at most 64 KiB of them.
/// </summary>
internal static class SnappyFraming
{
    public const byte CompressedData = 0x00;
    public const byte UncompressedData = 0x01;
    public const byte Padding = 0xfe;
    public const byte StreamIdentifier = 0xff;

    /// <summary>Chunk types 0x02-0x7f are reserved and must not be skipped; 0x80-0xfd may be.</summary>
    public const byte FirstSkippable = 0x80;

    /// <summary>Type byte and length.</summary>
    public const int ChunkHeaderSize = 4;

    public const int ChecksumSize = 4;

    /// <summary>The most uncompressed bytes one data chunk may hold.</summary>
    public const int MaxBlockSize = 65536;

    /// <summary>The whole stream identifier chunk.</summary>
    public static ReadOnlySpan<byte> IdentifierChunk => [0xff, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y'];

    /// <summary>The masked CRC-32C (Castagnoli) of <paramref name="data"/>, as the framing format stores it.</summary>
    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    /// <summary>CRC-32C with the hardware instruction where there is one (<see cref="BitOperations.Crc32C(uint, ulong)"/>).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>Writes a chunk header: the type and the 3-byte length of the body.</summary>
    public static void WriteChunkHeader(Span<byte> destination, byte type, int length)
    {
        destination[0] = type;
        destination[1] = (byte)length;
        destination[2] = (byte)(length >> 8);
        destination[3] = (byte)(length >> 16);
    }

    /// <summary>Reads a chunk header.</summary>
    public static (byte Type, int Length) ReadChunkHeader(ReadOnlySpan<byte> source)
        => (source[0], source[1] | (source[2] << 8) | (source[3] << 16));
}
