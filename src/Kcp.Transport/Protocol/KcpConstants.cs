namespace Kcp.Transport.Protocol;

/// <summary>Protocol constants of kcp-go (kcp-wire.md §2.2).</summary>
internal static class KcpConstants
{
    /// <summary>Minimum RTO when nodelay is on.</summary>
    public const uint RtoNoDelayMin = 30;

    /// <summary>Minimum RTO when nodelay is off.</summary>
    public const uint RtoNormalMin = 100;

    /// <summary>RTO before the first RTT sample.</summary>
    public const uint RtoDefault = 200;

    /// <summary>Upper bound of the estimated RTO (the per-segment back-off is not capped, as in kcp-go).</summary>
    public const uint RtoMax = 60000;

    /// <summary>Default send window in segments.</summary>
    public const int SendWindowDefault = 32;

    /// <summary>Default receive window in segments (kcp-go uses 32, not ikcp.c's 128).</summary>
    public const int ReceiveWindowDefault = 32;

    /// <summary>Default MTU, head-room included.</summary>
    public const int MtuDefault = 1400;

    /// <summary>Smallest MTU kcp-go 5.6.1 accepts.</summary>
    public const int MtuMin = 50;

    /// <summary>Largest datagram kcp-go can receive (its read buffers are 1500 bytes).</summary>
    public const int MtuMax = 1500;

    /// <summary>Default flush interval in ms.</summary>
    public const uint IntervalDefault = 100;

    /// <summary>Lower clamp of the flush interval.</summary>
    public const int IntervalMin = 10;

    /// <summary>Upper clamp of the flush interval.</summary>
    public const int IntervalMax = 5000;

    /// <summary>Transmissions of one segment after which the link counts as dead.</summary>
    public const uint DeadLinkDefault = 20;

    /// <summary>Initial slow-start threshold.</summary>
    public const uint ThreshInit = 2;

    /// <summary>Lowest slow-start threshold.</summary>
    public const uint ThreshMin = 2;

    /// <summary>
    /// Wait before the first window probe. kcp-go 5.6.1 waits 7 s; upstream (v5.6.43+) uses 500 ms. The wire is the
    /// same either way (kcp-wire.md §2.2, §2.6.4).
    /// </summary>
    public const uint ProbeInit = 500;

    /// <summary>Longest interval between window probes.</summary>
    public const uint ProbeLimit = 120000;

    /// <summary>Most fragments one message may have (frg is one byte).</summary>
    public const int MaxFragments = 255;

    /// <summary>Probe flag: send a WASK on the next full flush.</summary>
    public const uint AskSend = 1;

    /// <summary>Probe flag: send a WINS on the next full flush.</summary>
    public const uint AskTell = 2;
}
