namespace Kcp.AspNetCore;

/// <summary>Thresholds of the KCP health check registered by <c>AddKcp</c>.</summary>
public sealed class KcpHealthCheckOptions
{
    /// <summary>Default of <see cref="SessionLimitDegradedRatio"/>: degraded at 90 % of <c>MaxSessions</c>.</summary>
    public const double DefaultSessionLimitDegradedRatio = 0.9;

    /// <summary>Default of <see cref="MaxRetransmissionRatio"/>: one segment in ten sent again is a poor link.</summary>
    public const double DefaultMaxRetransmissionRatio = 0.1;

    /// <summary>Default of <see cref="MaxChecksumErrorRatio"/>: corruption is rare; many CRC failures mean a wrong key or an attack.</summary>
    public const double DefaultMaxChecksumErrorRatio = 0.01;

    /// <summary>Default of <see cref="MinimumSamples"/>: ratios over fewer segments or datagrams are noise.</summary>
    public const long DefaultMinimumSamples = 100;

    /// <summary>Unhealthy when no KCP endpoint is bound (true by default); set false for apps that bind KCP later or optionally.</summary>
    public bool RequireListener { get; set; } = true;

    /// <summary>Degraded once an endpoint's open sessions reach this fraction of its <c>KcpOptions.MaxSessions</c> (unhealthy at the limit).</summary>
    public double SessionLimitDegradedRatio { get; set; } = DefaultSessionLimitDegradedRatio;

    /// <summary>Degraded when retransmitted / sent segments since the previous check exceeds this.</summary>
    public double MaxRetransmissionRatio { get; set; } = DefaultMaxRetransmissionRatio;

    /// <summary>Degraded when checksum failures / received datagrams since the previous check exceeds this.</summary>
    public double MaxChecksumErrorRatio { get; set; } = DefaultMaxChecksumErrorRatio;

    /// <summary>The ratios are judged only once this many segments (or datagrams) were counted since the previous check.</summary>
    public long MinimumSamples { get; set; } = DefaultMinimumSamples;

    /// <summary>The problems in these settings, each naming the setting; empty when valid.</summary>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        if (SessionLimitDegradedRatio is not (> 0 and <= 1))
        {
            errors.Add($"KcpHealthCheckOptions.SessionLimitDegradedRatio must be in (0, 1] (was {SessionLimitDegradedRatio}).");
        }

        if (MaxRetransmissionRatio is not (>= 0 and <= 1))
        {
            errors.Add($"KcpHealthCheckOptions.MaxRetransmissionRatio must be in [0, 1] (was {MaxRetransmissionRatio}).");
        }

        if (MaxChecksumErrorRatio is not (>= 0 and <= 1))
        {
            errors.Add($"KcpHealthCheckOptions.MaxChecksumErrorRatio must be in [0, 1] (was {MaxChecksumErrorRatio}).");
        }

        if (MinimumSamples < 1)
        {
            errors.Add($"KcpHealthCheckOptions.MinimumSamples must be at least 1 (was {MinimumSamples}).");
        }

        return errors;
    }
}
