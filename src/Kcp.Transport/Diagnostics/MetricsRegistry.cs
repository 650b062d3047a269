namespace Kcp.Transport.Diagnostics;

/// <summary>
/// Every counter source of the process (listeners and client sockets, open ones and the totals of closed ones), so
/// that <see cref="KcpMetrics.GetSnapshot"/> can answer for the whole process as kcp-go's <c>DefaultSnmp</c> does.
/// Process-wide on purpose: it aggregates what every runtime counted and changes no behaviour.
/// </summary>
internal static class MetricsRegistry
{
    private static readonly Lock s_lock = new();
    private static readonly List<KcpCounters> s_sources = [];
    private static KcpMetricsSnapshot s_retired;
    private static long s_established;
    private static long s_maxEstablished;

    /// <summary>The whole process now (see <see cref="KcpMetrics.GetSnapshot"/>).</summary>
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

    public static void Register(KcpCounters source)
    {
        lock (s_lock)
        {
            s_sources.Add(source);
        }
    }

    public static void Unregister(KcpCounters source)
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
    public static bool CollectSources(KcpInstruments instruments, List<KcpCounters> target, out KcpMetricsSnapshot retiredClients, Span<long> retiredClientDrops)
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

    public static void OnSessionOpened() => KcpCounters.RaiseMax(ref s_maxEstablished, Interlocked.Increment(ref s_established));

    public static void OnSessionClosed() => Interlocked.Decrement(ref s_established);
}
