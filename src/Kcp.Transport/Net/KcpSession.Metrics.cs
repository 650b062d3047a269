using System.Diagnostics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Scheduling;
using Kcp.Transport.Protocol;

namespace Kcp.Transport;

public sealed partial class KcpSession
{
    // One RTT histogram sample per session per second at most: the scheduler's flushes are far more frequent.
    private const long RttSampleIntervalMs = 1000;

    private KcpMetricsSnapshot _finalTotals;   // the counts at close, kept after the engine is released
    private bool _folded;                      // the owner's totals include this session (guarded by the session lock)
    private long _nextRttSampleMs;

    private readonly long _openedTimestamp = Stopwatch.GetTimestamp();

    /// <inheritdoc/>
    long ISessionCounters.OpenedTimestamp => _openedTimestamp;

    /// <inheritdoc/>
    void ISessionCounters.FoldInto(ref KcpMetricsSnapshot closed)
    {
        lock (_lock.Gate)
        {
            if (!_folded)
            {
                closed += _finalTotals;
                _folded = true;
            }
        }
    }

    /// <inheritdoc/>
    void ISessionCounters.AddLiveTo(ref KcpMetricsSnapshot totals)
    {
        lock (_lock.Gate)
        {
            if (!_folded)
            {
                totals += _closeReason != KcpCloseReason.None ? _finalTotals : CaptureTotals();
            }
        }
    }

    /// <summary>Reads the session's counters; call under the session lock while the engine is alive.</summary>
    private KcpMetricsSnapshot CaptureTotals()
    {
        ref readonly KcpEngineCounters c = ref _engine.Counters;
        Fec.FecDecoderCounters fec = _fecDecoder?.Counters ?? default;
        return new KcpMetricsSnapshot
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
            InChecksumErrors = _checksumErrors,
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
