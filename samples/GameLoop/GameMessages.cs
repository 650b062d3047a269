using System.Buffers.Binary;

namespace GameLoop;

/// <summary>One player in a snapshot: where it is and the last input of its own the server applied.</summary>
internal readonly record struct PlayerState(ushort Id, float X, float Y, uint LastInput);

/// <summary>
/// The game's two datagrams, little-endian. A client's input: <c>'I' | seq u32 | dx i8 | dy i8</c>, the stick position
/// it holds now (the newest wins; a late or repeated one is ignored). The server's snapshot each tick:
/// <c>'S' | tick u32 | count u16 | count × (id u16 | x f32 | y f32 | last input u32)</c>. A lost datagram costs nothing:
/// the next one, 50 ms later, says it all again, which is why these are not on the reliable stream.
/// </summary>
internal static class GameMessages
{
    public const byte Input = (byte)'I';
    public const byte Snapshot = (byte)'S';
    public const int InputSize = 7;
    public const int SnapshotHeaderSize = 7;
    public const int PlayerSize = 14;

    public static int WriteInput(Span<byte> destination, uint sequence, sbyte dx, sbyte dy)
    {
        destination[0] = Input;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], sequence);
        destination[5] = (byte)dx;
        destination[6] = (byte)dy;
        return InputSize;
    }

    public static bool TryReadInput(ReadOnlySpan<byte> datagram, out uint sequence, out sbyte dx, out sbyte dy)
    {
        (sequence, dx, dy) = (0, 0, 0);
        if (datagram.Length != InputSize || datagram[0] != Input)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadUInt32LittleEndian(datagram[1..]);
        dx = (sbyte)Math.Clamp((sbyte)datagram[5], (sbyte)-1, (sbyte)1);
        dy = (sbyte)Math.Clamp((sbyte)datagram[6], (sbyte)-1, (sbyte)1);
        return true;
    }

    /// <summary>The most players one snapshot datagram of <paramref name="maxDatagramSize"/> bytes holds.</summary>
    public static int PlayersPerSnapshot(int maxDatagramSize) => (maxDatagramSize - SnapshotHeaderSize) / PlayerSize;

    public static int WriteSnapshot(Span<byte> destination, uint tick, ReadOnlySpan<PlayerState> players)
    {
        destination[0] = Snapshot;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], tick);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[5..], (ushort)players.Length);
        int offset = SnapshotHeaderSize;
        foreach (PlayerState p in players)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[offset..], p.Id);
            BinaryPrimitives.WriteSingleLittleEndian(destination[(offset + 2)..], p.X);
            BinaryPrimitives.WriteSingleLittleEndian(destination[(offset + 6)..], p.Y);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(offset + 10)..], p.LastInput);
            offset += PlayerSize;
        }

        return offset;
    }

    public static bool TryReadSnapshot(ReadOnlySpan<byte> datagram, out uint tick, List<PlayerState> players)
    {
        tick = 0;
        players.Clear();
        if (datagram.Length < SnapshotHeaderSize || datagram[0] != Snapshot)
        {
            return false;
        }

        tick = BinaryPrimitives.ReadUInt32LittleEndian(datagram[1..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(datagram[5..]);
        if (datagram.Length != SnapshotHeaderSize + (count * PlayerSize))
        {
            return false;
        }

        for (int i = 0, offset = SnapshotHeaderSize; i < count; i++, offset += PlayerSize)
        {
            players.Add(new PlayerState(
                BinaryPrimitives.ReadUInt16LittleEndian(datagram[offset..]),
                BinaryPrimitives.ReadSingleLittleEndian(datagram[(offset + 2)..]),
                BinaryPrimitives.ReadSingleLittleEndian(datagram[(offset + 6)..]),
                BinaryPrimitives.ReadUInt32LittleEndian(datagram[(offset + 10)..])));
        }

        return true;
    }
}
