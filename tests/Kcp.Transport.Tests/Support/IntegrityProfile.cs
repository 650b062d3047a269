namespace Kcp.Transport.Tests.Support;

/// <summary>The KCP settings of an integrity case, the same on both ends (see <see cref="IntegritySettings"/>).</summary>
public enum IntegrityProfile
{
    /// <summary>kcptun's fast3 (nodelay 1, interval 10 ms, fast resend 2, no congestion window) with 2048-segment windows.</summary>
    LossTuned,

    /// <summary>The library's defaults, which are kcp-go peer's and kcptun's "fast": nodelay 0, interval 30 ms, fast resend 2, no congestion window, 128-segment windows.</summary>
    Defaults,
}
