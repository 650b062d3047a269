namespace Kcp.Transport.Multiplexing;

/// <summary>The command byte of an smux frame (xtaci/smux <c>frame.go</c>).</summary>
internal enum SmuxCommand : byte
{
    /// <summary>Opens a stream.</summary>
    Syn = 0,

    /// <summary>The sender closed the stream: no more data will come from it.</summary>
    Fin = 1,

    /// <summary>Data for a stream.</summary>
    Psh = 2,

    /// <summary>Nothing: the keep-alive.</summary>
    Nop = 3,

    /// <summary>Version 2: bytes consumed by the sender's reader and its window (8 bytes of payload).</summary>
    Upd = 4,
}
