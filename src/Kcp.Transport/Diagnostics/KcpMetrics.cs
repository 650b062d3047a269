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
    public const string MeterName = "Kcp.Transport";

    private static readonly Lock s_lock = new();
    private static readonly List<KcpCounters> s_sources = [];
    private static KcpMetricsSnapshot s_retired;
    private static long s_established;
    private static long s_maxEstablished;

    /// <summary>
    /// Sums every listener and client socket of the process, open or closed, and every session, open or closed: each
    /// counter only grows, except <see cref="KcpMetricsSnapshot.CurrentEstablished"/>.
    /// </summary>
    public static KcpMetricsSnapshot GetSnapshot()
    {
        KcpCounters[] sources;
        KcpMetricsSnapshot total;
        lock (s_lock)
        {
            sources = [.. s_sources];
            total = s_retired;
        }

        foreach (KcpCounters source in sources)
        {
            total += source.GetSnapshot();
        }

        return total with
        {
            CurrentEstablished = Volatile.Read(ref s_established),
            MaxConnections = Volatile.Read(ref s_maxEstablished),
        };
    }

    internal static void Register(KcpCounters source)
    {
        lock (s_lock)
        {
            s_sources.Add(source);
        }
    }

    internal static void Unregister(KcpCounters source)
    {
        // The final snapshot is taken before the lock: no session of a detached source is still open.
        KcpMetricsSnapshot final = source.GetSnapshot();
        lock (s_lock)
        {
            if (!s_sources.Remove(source))
            {
                return;
            }

            s_retired += final with { CurrentEstablished = 0, MaxConnections = 0 };
            if (!source.IsListener)
            {
                source.Instruments.RetireClient(final, source);
            }
        }
    }

    /// <summary>The sources reporting to <paramref name="instruments"/>, read under the registry lock with the retired client totals.</summary>
    /// <returns>True when a client has ever reported to <paramref name="instruments"/> (the client series exists).</returns>
    internal static bool CollectSources(KcpInstruments instruments, List<KcpCounters> target, out KcpMetricsSnapshot retiredClients, Span<long> retiredClientDrops)
    {
        lock (s_lock)
        {
            foreach (KcpCounters source in s_sources)
            {
                if (ReferenceEquals(source.Instruments, instruments))
                {
                    target.Add(source);
                }
            }

            return instruments.ReadRetiredClients(out retiredClients, retiredClientDrops);
        }
    }

    internal static void OnSessionOpened() => KcpCounters.RaiseMax(ref s_maxEstablished, Interlocked.Increment(ref s_established));

    internal static void OnSessionClosed() => Interlocked.Decrement(ref s_established);
}
