using System.Globalization;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>Latency samples in milliseconds, thread-safe to add, with percentiles and a file of the raw values for CDFs.</summary>
internal sealed class LatencySamples
{
    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _values.Count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            _values.Add(milliseconds);
        }
    }

    /// <summary>p50, p99, p99.9 and max (nearest rank); NaN when empty.</summary>
    public (double P50, double P99, double P999, double Max) Summary()
    {
        double[] sorted;
        lock (_lock)
        {
            sorted = [.. _values];
        }

        Array.Sort(sorted);
        return (Rank(sorted, 0.50), Rank(sorted, 0.99), Rank(sorted, 0.999), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    public void WriteTo(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        lock (_lock)
        {
            File.WriteAllLines(path, _values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)));
        }
    }

    private static double Rank(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
