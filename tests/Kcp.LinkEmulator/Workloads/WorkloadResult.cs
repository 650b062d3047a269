namespace Kcp.LinkEmulator.Workloads;

/// <summary>What one client run reports (one JSON line on stdout): latency in ms, payload in bytes.</summary>
internal sealed record WorkloadResult
{
    public int Samples { get; init; }

    public double P50 { get; init; } = double.NaN;

    public double P99 { get; init; } = double.NaN;

    public double P999 { get; init; } = double.NaN;

    public double Max { get; init; } = double.NaN;

    /// <summary>Messages or requests that never completed.</summary>
    public long Lost { get; init; }

    public long PayloadBytes { get; init; }

    public double Seconds { get; init; }

    public bool Completed { get; init; } = true;

    public string Note { get; init; } = string.Empty;

    public static WorkloadResult From(LatencySamples samples, long lost, double seconds)
    {
        var (p50, p99, p999, max) = samples.Summary();
        return new() { Samples = samples.Count, P50 = p50, P99 = p99, P999 = p999, Max = max, Lost = lost, Seconds = seconds };
    }
}
