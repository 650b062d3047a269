using Kcp.AspNetCore.Internal;
using Kcp.AspNetCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the KCP transport's health check.</summary>
public static class KcpHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check of the KCP endpoints bound by <c>UseKcp</c>: unhealthy when none is bound or one is at its session
    /// limit (<paramref name="failureStatus"/>, Unhealthy by default); degraded near the limit or when the retransmission or checksum-error ratio since the previous check is
    /// above <see cref="KcpHealthCheckOptions"/>. The figures are in the result's data. Invalid thresholds throw here,
    /// naming the setting.
    /// </summary>
    public static IHealthChecksBuilder AddKcp(
        this IHealthChecksBuilder builder,
        Action<KcpHealthCheckOptions>? configure = null,
        string name = "kcp",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new KcpHealthCheckOptions();
        configure?.Invoke(options);
        List<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(configure));
        }

        // One instance per registration (the factory runs for every check): it keeps the previous figures, so the
        // ratios cover the time since the last check.
        KcpHealthCheck? check = null;
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => Volatile.Read(ref check) ?? Interlocked.CompareExchange(ref check, new KcpHealthCheck(sp.GetService<KcpTransportFactory>(), options), null) ?? check!,
            failureStatus ?? HealthStatus.Unhealthy,
            tags));
    }
}
