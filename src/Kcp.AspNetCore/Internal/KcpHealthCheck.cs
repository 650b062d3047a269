using System.Globalization;
using Kcp.Transport;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kcp.AspNetCore.Internal;

/// <summary>
/// Judges the KCP endpoints of one <see cref="KcpTransportFactory"/>. Session limits are read now; the retransmission
/// and checksum-error ratios cover the time since the previous check (a cumulative ratio would hide a link that just
/// went bad), and only once <see cref="KcpHealthCheckOptions.MinimumSamples"/> were counted.
/// </summary>
internal sealed class KcpHealthCheck(KcpTransportFactory? factory, KcpHealthCheckOptions options) : IHealthCheck
{
    private readonly Lock _lock = new();
    private KcpMetricsSnapshot _previous;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(Check(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy));

    private HealthCheckResult Check(HealthStatus failureStatus)
    {
        if (factory is null)
        {
            return new HealthCheckResult(failureStatus, "The KCP transport is not registered (call UseKcp).");
        }

        var data = new Dictionary<string, object>();
        var problems = new List<string>();
        HealthStatus status = HealthStatus.Healthy;
        KcpMetricsSnapshot total = default;
        int bound = 0;
        foreach (KcpConnectionListener adapter in factory.Listeners)
        {
            if (adapter.IsUnbound)
            {
                continue;
            }

            bound++;
            KcpListener listener = adapter.Listener;
            KcpMetricsSnapshot snapshot = listener.GetMetricsSnapshot();
            total += snapshot;
            int sessions = listener.SessionCount;
            int limit = adapter.Options.MaxSessions;
            string name = adapter.KcpEndPoint.ToString();
            data[name + ":sessions"] = sessions;
            data[name + ":max_sessions"] = limit;
            if (sessions >= limit)
            {
                status = Worst(status, failureStatus);
                problems.Add($"{name} is at its session limit ({sessions} of {limit}).");
            }
            else if (sessions >= options.SessionLimitDegradedRatio * limit)
            {
                status = Worst(status, HealthStatus.Degraded);
                problems.Add($"{name} is near its session limit ({sessions} of {limit}).");
            }
        }

        data["endpoints"] = bound;
        if (bound == 0)
        {
            return options.RequireListener
                ? new HealthCheckResult(failureStatus, "No KCP endpoint is bound.", data: data)
                : HealthCheckResult.Healthy("No KCP endpoint is bound.", data);
        }

        KcpMetricsSnapshot previous;
        lock (_lock)
        {
            previous = _previous;
            _previous = total;
        }

        // Endpoints closed since the previous check make the totals shrink: judge from zero then.
        long segments = Delta(total.OutSegments, previous.OutSegments);
        long retransmitted = Delta(total.RetransmittedSegments, previous.RetransmittedSegments);
        long datagrams = Delta(total.InPackets, previous.InPackets);
        long checksumErrors = Delta(total.InChecksumErrors, previous.InChecksumErrors);
        data["sessions"] = total.CurrentEstablished;
        data["segments_sent"] = segments;
        data["segments_retransmitted"] = retransmitted;
        data["datagrams_received"] = datagrams;
        data["checksum_errors"] = checksumErrors;
        data["datagrams_dropped"] = total.DroppedDatagrams;
        data["sessions_refused"] = total.RefusedSessions;
        status = CheckRatio(data, problems, status, "retransmission_ratio", retransmitted, segments, options.MinimumSamples, options.MaxRetransmissionRatio, "Retransmission ratio");
        status = CheckRatio(data, problems, status, "checksum_error_ratio", checksumErrors, datagrams, options.MinimumSamples, options.MaxChecksumErrorRatio, "Checksum error ratio", ": corruption or peers with a wrong key");

        string description = problems.Count == 0
            ? $"{bound} KCP endpoint(s) bound, {total.CurrentEstablished} session(s) open."
            : string.Join(" ", problems);
        return new HealthCheckResult(status, description, data: data);
    }

    private static long Delta(long now, long before) => now >= before ? now - before : now;

    // HealthStatus orders Unhealthy < Degraded < Healthy.
    /// <summary>Adds <paramref name="count"/>/<paramref name="total"/> to the data once there are enough samples; above <paramref name="limit"/> the endpoint is degraded.</summary>
    private static HealthStatus CheckRatio(
        Dictionary<string, object> data, List<string> problems, HealthStatus status, string key, long count, long total, long minimumSamples, double limit, string what, string cause = "")
    {
        if (total < minimumSamples)
        {
            return status;
        }

        double ratio = (double)count / total;
        data[key] = ratio;
        if (ratio <= limit)
        {
            return status;
        }

        problems.Add(string.Create(CultureInfo.InvariantCulture, $"{what} {ratio:0.###} is above {limit}{cause}."));
        return Worst(status, HealthStatus.Degraded);
    }

    private static HealthStatus Worst(HealthStatus a, HealthStatus b) => a < b ? a : b;
}
