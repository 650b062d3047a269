using Kcp.Transport.Diagnostics;

namespace Kcp.Transport;

/// <summary>
/// The transport's metrics: the <see cref="MeterName"/> meter (watch it with
/// <c>dotnet-counters monitor --counters Kcp.Transport</c> or any OpenTelemetry exporter) and, for code without a
/// metrics pipeline, <see cref="GetSnapshot"/>, the process-wide counterpart of kcp-go's <c>DefaultSnmp.Copy()</c>.
/// </summary>
public static class KcpMetrics
{
    /// <summary>The name of the meter every listener and client reports to.</summary>
    public const string MeterName = KcpInstruments.MeterName;

    /// <summary>
    /// Sums every listener and client socket of the process, open or closed, and every session, open or closed: each
    /// counter only grows, except <see cref="KcpMetricsSnapshot.CurrentEstablished"/>.
    /// </summary>
    public static KcpMetricsSnapshot GetSnapshot() => MetricsRegistry.GetSnapshot();
}
