namespace Kcp.Transport.Diagnostics;

/// <summary>What exactly was wrong with what the peer sent; the tag value of <c>kcp.smux.errors</c>.</summary>
internal enum SmuxProtocolError
{
    /// <summary>A frame's version byte is not ours (the peer runs the other smux version).</summary>
    VersionMismatch,

    /// <summary>The snappy stream identifier arrived but compression is off (the peer compresses; we run like <c>-nocomp</c>).</summary>
    SnappyUnexpected,

    /// <summary>Compression is on but the stream did not start with the snappy stream identifier (the peer runs <c>-nocomp</c>).</summary>
    SnappyMissing,

    /// <summary>A snappy chunk failed its masked CRC-32C.</summary>
    SnappyChecksum,

    /// <summary>A snappy chunk could not be decoded, was too long, or was of a reserved unskippable type.</summary>
    SnappyCorrupt,

    /// <summary>A frame carried a command smux does not know.</summary>
    UnknownCommand,

    /// <summary>A frame was malformed (an UPD without its 8 bytes, a SYN or FIN with a payload).</summary>
    MalformedFrame,

    /// <summary>The peer said it consumed more than we sent on a stream (smux's ErrConsumed).</summary>
    WindowViolation,

    /// <summary>A stream was refused because the accept backlog was full (not fatal to the session).</summary>
    AcceptBacklogFull,
}

/// <summary>The tag values of <see cref="SmuxProtocolError"/>, allocated once.</summary>
internal static class SmuxProtocolErrorNames
{
    private static readonly string[] s_values =
    [
        "version_mismatch", "snappy_unexpected", "snappy_missing", "snappy_checksum", "snappy_corrupt",
        "unknown_command", "malformed_frame", "window_violation", "accept_backlog_full",
    ];

    /// <summary>How many reasons there are.</summary>
    public static int Count => s_values.Length;

    /// <summary>The metric tag value of <paramref name="error"/>.</summary>
    public static string TagValue(this SmuxProtocolError error) => s_values[(int)error];
}
