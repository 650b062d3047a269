namespace Kcp.Transport.Protocol;

/// <summary>The four KCP segment commands (kcp-wire.md §2.1).</summary>
internal static class KcpCommand
{
    /// <summary>Data segment.</summary>
    public const byte Push = 81;

    /// <summary>Acknowledges one PUSH; its ts echoes the PUSH's ts.</summary>
    public const byte Ack = 82;

    /// <summary>Window probe: asks the peer to advertise its receive window.</summary>
    public const byte WindowAsk = 83;

    /// <summary>Window advertisement (answer to a probe, or sent when a full receive queue reopens).</summary>
    public const byte WindowTell = 84;

    /// <summary>True for the commands kcp-go accepts; anything else makes Input fail with -3.</summary>
    public static bool IsValid(byte cmd) => cmd is >= Push and <= WindowTell;
}
