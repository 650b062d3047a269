using System.Diagnostics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// What one session counts besides its engine and FEC decoder (payload bytes, FEC recoveries and parity shards,
/// checksum failures), its totals frozen at close, and whether its owner's totals include them yet. Guarded by the
/// session's lock.
/// </summary>
internal sealed class SessionCounters
{
    // One RTT histogram sample per session per second at most: the scheduler's flushes are far more frequent.
    private const long RttSampleIntervalMs = 1000;

    private KcpMetricsSnapshot _final;
    private bool _closed;
    private bool _folded;
    private long _nextRttSampleMs;

    public long BytesSent;
    public long BytesReceived;
    public long FecRecovered;
    public long FecParityShards;
    public long ChecksumErrors;

    /// <summary>When the session was created (<see cref="Stopwatch.GetTimestamp"/>), for the duration histogram.</summary>
    public long OpenedTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>The session's rows now: the frozen totals once closed, else read from the engine and the decoder.</summary>
    public KcpMetricsSnapshot Read(KcpControlBlock engine, FecDecoderCounters fec)
    {
        if (_closed)
        {
            return _final;
        }

        ref readonly KcpEngineCounters c = ref engine.Counters;
        return new KcpMetricsSnapshot
        {
            BytesSent = BytesSent,
            BytesReceived = BytesReceived,
            InSegments = c.InSegs,
            OutSegments = c.OutSegs,
            RetransmittedSegments = c.RetransSegs,
            FastRetransmittedSegments = c.FastRetransSegs,
            EarlyRetransmittedSegments = c.EarlyRetransSegs,
            LostSegments = c.LostSegs,
            RepeatSegments = c.RepeatSegs,
            FecRecovered = FecRecovered,
            FecErrors = fec.Errors,
            FecParityShards = FecParityShards,
            FecShortShards = fec.ShortShards,
            InChecksumErrors = ChecksumErrors,
        };
    }

    /// <summary>Keeps the totals at close: the engine and the decoder are released afterwards.</summary>
    public void Freeze(KcpMetricsSnapshot final)
    {
        _final = final;
        _closed = true;
    }

    /// <summary>Adds the final totals to <paramref name="closed"/>, once (see <see cref="ISessionCounters.FoldInto"/>).</summary>
    public void FoldInto(ref KcpMetricsSnapshot closed)
    {
        if (!_folded)
        {
            closed += _final;
            _folded = true;
        }
    }

    /// <summary>True once <see cref="FoldInto"/> ran: the owner's totals include this session.</summary>
    public bool IsFolded => _folded;

    /// <summary>Feeds the RTT histogram about once a second (from the scheduler's flush).</summary>
    public void SampleRtt(long nowMs, int smoothedRttMs, KcpCounters owner)
    {
        if (nowMs < _nextRttSampleMs || !owner.Instruments.SessionRtt.Enabled)
        {
            return;
        }

        _nextRttSampleMs = nowMs + RttSampleIntervalMs;
        if (smoothedRttMs > 0)
        {
            owner.RecordRtt(smoothedRttMs);
        }
    }
}
