namespace Kcp.Transport.Multiplexing;

/// <summary>
/// A frame without application data waiting for the session's writer: SYN, FIN, NOP or UPD (with its two values).
/// A struct, so queueing one allocates nothing.
/// </summary>
internal readonly record struct SmuxControlFrame(SmuxCommand Command, uint StreamId, uint Consumed = 0, uint Window = 0)
{
    /// <summary>Bytes this frame takes on the wire.</summary>
    public int WireSize => SmuxFrameHeader.Size + (Command == SmuxCommand.Upd ? SmuxFrameHeader.UpdateSize : 0);

    /// <summary>Writes the whole frame (header, and an UPD's payload) into <paramref name="destination"/>.</summary>
    public void Write(byte version, Span<byte> destination)
    {
        bool update = Command == SmuxCommand.Upd;
        new SmuxFrameHeader(version, Command, update ? (ushort)SmuxFrameHeader.UpdateSize : (ushort)0, StreamId).Write(destination);
        if (update)
        {
            SmuxFrameHeader.WriteUpdate(destination[SmuxFrameHeader.Size..], Consumed, Window);
        }
    }
}
