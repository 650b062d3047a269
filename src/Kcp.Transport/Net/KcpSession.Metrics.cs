using System.Diagnostics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Scheduling;
using Kcp.Transport.Protocol;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    // One RTT histogram sample per session per second at most: the scheduler's flushes are far more frequent.
    private const long RttSampleIntervalMs = 1000;

    private KcpSessionTotals _finalTotals;   // the counts at close, kept after the engine is released
    private bool _folded;                    // the owner's totals include this session (guarded by the session lock)
    private long _nextRttSampleMs;

    /// <summary>When the session was created (<see cref="Stopwatch.GetTimestamp"/>), for the duration histogram.</summary>
    internal long OpenedTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>Adds the final counts to <paramref name="totals"/> once; later snapshots skip this session.</summary>
    internal void FoldTotals(ref KcpSessionTotals totals)
    {
        lock (_lock.Gate)
        {
            if (_folded)
            {
                return;
            }

            totals.Add(_finalTotals);
            _folded = true;
        }
    }

    /// <summary>Adds this session's counts to <paramref name="totals"/> unless they were already folded into its owner's.</summary>
    internal void AddLiveTotals(ref KcpSessionTotals totals)
    {
        lock (_lock.Gate)
        {
            if (_folded)
            {
                return;
            }

            if (_closeReason != KcpCloseReason.None)
            {
                totals.Add(_finalTotals);
            }
            else
            {
                KcpSessionTotals live = CaptureTotals();
                totals.Add(live);
            }
        }
    }

    /// <summary>Reads the session's counters; call under the session lock while the engine is alive.</summary>
    private KcpSessionTotals CaptureTotals()
    {
        ref readonly KcpEngineCounters c = ref _engine.Counters;
        Fec.FecDecoderCounters fec = _fecDecoder?.Counters ?? default;
        return new KcpSessionTotals
        {
            BytesSent = _bytesSent,
            BytesReceived = _bytesReceived,
            InSegments = c.InSegs,
            OutSegments = c.OutSegs,
            RetransmittedSegments = c.RetransSegs,
            FastRetransmittedSegments = c.FastRetransSegs,
            EarlyRetransmittedSegments = c.EarlyRetransSegs,
            LostSegments = c.LostSegs,
            RepeatSegments = c.RepeatSegs,
            FecRecovered = _fecRecovered,
            FecErrors = fec.Errors,
            FecParityShards = _fecParityShards,
            FecShortShards = fec.ShortShards,
        };
    }

    /// <summary>Feeds the RTT histogram about once a second, from the scheduler's flush (under the session lock).</summary>
    private void SampleRtt(long nowMs)
    {
        if (nowMs < _nextRttSampleMs || !_owner.Counters.Instruments.SessionRtt.Enabled)
        {
            return;
        }

        _nextRttSampleMs = nowMs + RttSampleIntervalMs;
        if (_engine.SmoothedRtt > 0)
        {
            _owner.Counters.RecordRtt(_engine.SmoothedRtt);
        }
    }
}
