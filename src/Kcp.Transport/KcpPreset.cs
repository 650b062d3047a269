namespace Kcp.Transport;

/// <summary>The kcptun <c>--mode</c> presets: (nodelay, interval, resend, nc) tuples for the ARQ engine.</summary>
public enum KcpPreset
{
    /// <summary>nodelay 0, interval 40 ms, fast resend 2, congestion window off.</summary>
    Normal,

    /// <summary>nodelay 0, interval 30 ms, fast resend 2, congestion window off (kcptun's default).</summary>
    Fast,

    /// <summary>nodelay 1, interval 20 ms, fast resend 2, congestion window off.</summary>
    Fast2,

    /// <summary>nodelay 1, interval 10 ms, fast resend 2, congestion window off.</summary>
    Fast3,
}
