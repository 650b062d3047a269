namespace Kcp.Transport;

/// <summary>
/// Settings of smux over a KCP session (<see cref="KcpOptions.Smux"/>), as xtaci/smux and kcptun name them. The
/// defaults are kcptun's: version 1, snappy compression, 4 MiB session and 2 MiB stream buffers, a keep-alive every
/// 10 s and a 30 s timeout, 32 KiB frames. Both ends must agree on <see cref="Version"/> and
/// <see cref="Compression"/>; the buffers and timers are local.
/// </summary>
public sealed class KcpSmuxOptions
{
    /// <summary>The largest frame payload smux's 16-bit length field can carry.</summary>
    public const int MaxFrameSizeLimit = 65535;

    /// <summary>smux protocol version, 1 or 2 (kcptun <c>-smuxver</c>). Version 2 adds per-stream flow control (UPD frames).</summary>
    public int Version { get; set; } = 1;

    /// <summary>Compression under smux (kcptun compresses unless <c>-nocomp</c>).</summary>
    public KcpSmuxCompression Compression { get; set; } = KcpSmuxCompression.Snappy;

    /// <summary>The largest payload of a data frame we send (smux's MaxFrameSize).</summary>
    public int MaxFrameSize { get; set; } = 32768;

    /// <summary>
    /// Bytes received on all streams of a session and not yet read (kcptun <c>-smuxbuf</c>). At this level the session
    /// stops reading the KCP stream, whose window then closes. With version 2 each stream is held to its own window
    /// and only bytes beyond it count here, so a stream whose reader stalls never stalls the others (version 1 has no
    /// per-stream window: a stalled stream holding this much stalls the session, as in xtaci/smux).
    /// </summary>
    public int MaxReceiveBuffer { get; set; } = 4 * 1024 * 1024;

    /// <summary>Version 2: the receive window each stream advertises to its peer (kcptun <c>-streambuf</c>).</summary>
    public int MaxStreamBuffer { get; set; } = 2 * 1024 * 1024;

    /// <summary>How often a NOP frame is sent (kcptun <c>-keepalive</c>).</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The session is closed when nothing arrived for this long (smux's KeepAliveTimeout).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Streams opened by the peer and not yet accepted; more are refused (closed at once).</summary>
    public int AcceptBacklog { get; set; } = 1024;

    /// <summary>Returns a copy that later changes to this instance do not affect.</summary>
    public KcpSmuxOptions Clone() => (KcpSmuxOptions)MemberwiseClone();

    /// <summary>Adds a message for every invalid setting to <paramref name="errors"/>, each naming the setting and its value.</summary>
    internal void AddValidationErrors(List<string> errors)
    {
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(Version is 1 or 2, $"KcpOptions.Smux.Version must be 1 or 2 (was {Version}).");
        Check(Enum.IsDefined(Compression), $"KcpOptions.Smux.Compression must be Snappy or None (was {Compression}).");
        Check(MaxFrameSize is > 0 and <= MaxFrameSizeLimit, $"KcpOptions.Smux.MaxFrameSize must be between 1 and {MaxFrameSizeLimit} (was {MaxFrameSize}).");
        Check(MaxReceiveBuffer > 0, $"KcpOptions.Smux.MaxReceiveBuffer must be positive (was {MaxReceiveBuffer}).");
        Check(MaxStreamBuffer > 0, $"KcpOptions.Smux.MaxStreamBuffer must be positive (was {MaxStreamBuffer}).");
        Check(MaxStreamBuffer <= MaxReceiveBuffer, $"KcpOptions.Smux.MaxStreamBuffer must not be larger than MaxReceiveBuffer (was {MaxStreamBuffer} > {MaxReceiveBuffer}).");
        Check(KeepAliveInterval > TimeSpan.Zero, $"KcpOptions.Smux.KeepAliveInterval must be positive (was {KeepAliveInterval}).");
        Check(KeepAliveTimeout >= KeepAliveInterval, $"KcpOptions.Smux.KeepAliveTimeout must be at least KeepAliveInterval (was {KeepAliveTimeout} < {KeepAliveInterval}).");
        Check(AcceptBacklog > 0, $"KcpOptions.Smux.AcceptBacklog must be positive (was {AcceptBacklog}).");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        AddValidationErrors(errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }
    }
}
