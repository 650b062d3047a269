using System.Diagnostics;
using Kcp.AspNetCore;
using Kcp.Transport;

namespace ChatHubSample.Stats;

/// <summary>
/// Samples the open KCP sessions once a second and keeps the last two minutes for the page's chart. Rates are sums of
/// per-session deltas, so a session closing between samples does not show up as a negative rate.
/// </summary>
internal sealed class KcpStatsSampler(KcpConnectionRegistry registry, KcpTransportFactory? transport = null) : BackgroundService
{
    /// <summary>How many samples the history keeps.</summary>
    public const int HistoryLength = 120;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Queue<KcpStatsSample> _history = new(HistoryLength);
    private readonly List<KcpSessionSnapshot> _current = [];
    private Dictionary<string, KcpSessionStatistics> _previous = [];
    private long _previousTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Builds the report: sessions read now, rates from the last sample.</summary>
    public KcpStatsReport GetReport()
    {
        var sessions = new List<KcpSessionSnapshot>();
        registry.Snapshot(sessions);
        var list = new List<KcpSessionReport>(sessions.Count);
        foreach (KcpSessionSnapshot s in sessions)
        {
            KcpSessionStatistics st = s.Statistics;
            list.Add(new KcpSessionReport(
                s.ConnectionId, s.Remote, s.Conversation, st.SmoothedRtt, st.RetransmissionTimeout, st.InFlight,
                st.Counters.RetransmittedSegments, st.Counters.FecRecovered, st.Counters.BytesSent, st.Counters.BytesReceived));
        }

        lock (_lock)
        {
            KcpStatsSample[] history = [.. _history];
            return new KcpStatsReport(list.Count, list, history.Length > 0 ? history[^1] : null, history, transport?.GetMetricsSnapshot());
        }
    }

    /// <summary>Takes one sample now (the timer calls it every second).</summary>
    public KcpStatsSample Sample()
    {
        lock (_lock)
        {
            registry.Snapshot(_current);
            long now = Stopwatch.GetTimestamp();
            double seconds = Math.Max(Stopwatch.GetElapsedTime(_previousTimestamp, now).TotalSeconds, 1e-3);
            _previousTimestamp = now;

            long rttSum = 0, retransmitted = 0, fec = 0;
            long dRetransmit = 0, dFec = 0, dBytesIn = 0, dBytesOut = 0, dSegIn = 0, dSegOut = 0;
            int maxRtt = 0;
            var next = new Dictionary<string, KcpSessionStatistics>(_current.Count);
            foreach (KcpSessionSnapshot session in _current)
            {
                KcpSessionStatistics st = session.Statistics;
                KcpSessionStatistics before = _previous.GetValueOrDefault(session.ConnectionId);
                next[session.ConnectionId] = st;
                rttSum += st.SmoothedRtt;
                maxRtt = Math.Max(maxRtt, st.SmoothedRtt);
                retransmitted += st.Counters.RetransmittedSegments;
                fec += st.Counters.FecRecovered;
                dRetransmit += st.Counters.RetransmittedSegments - before.Counters.RetransmittedSegments;
                dFec += st.Counters.FecRecovered - before.Counters.FecRecovered;
                dBytesIn += st.Counters.BytesReceived - before.Counters.BytesReceived;
                dBytesOut += st.Counters.BytesSent - before.Counters.BytesSent;
                dSegIn += st.Counters.InSegments - before.Counters.InSegments;
                dSegOut += st.Counters.OutSegments - before.Counters.OutSegments;
            }

            _previous = next;
            int count = _current.Count;
            var sample = new KcpStatsSample(
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                count,
                count == 0 ? 0 : (double)rttSum / count,
                maxRtt,
                retransmitted,
                dRetransmit / seconds,
                fec,
                dFec / seconds,
                dBytesIn / seconds,
                dBytesOut / seconds,
                dSegIn / seconds,
                dSegOut / seconds);
            if (_history.Count == HistoryLength)
            {
                _history.Dequeue();
            }

            _history.Enqueue(sample);
            return sample;
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Sample();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
