using System.Diagnostics;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// What one session counts besides its engine and FEC decoder (payload bytes, FEC recoveries and parity shards,
/// checksum failures), its totals frozen at close, and whether its owner's totals include them yet. The fields are
/// guarded by the session's lock; the owner's <see cref="KcpCounters"/> reads them through <see cref="ISessionCounters"/>,
/// which takes it.
/// </summary>
internal sealed class SessionCounters(Lock sessionLock, KcpControlBlock engine, FecChannel fec) : ISessionCounters
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
    public long OobSent;
    public long OobReceived;

    /// <summary>When the session was created (<see cref="Stopwatch.GetTimestamp"/>), for the duration histogram.</summary>
    public long OpenedTimestamp { get; } = Stopwatch.GetTimestamp();

    /// <summary>The session's rows now: the frozen totals once closed, else read from the engine and the decoder.</summary>
    public KcpMetricsSnapshot Read()
    {
        if (_closed)
        {
            return _final;
        }

        ref readonly KcpEngineCounters c = ref engine.Counters;
        FecDecoderCounters decoder = fec.DecoderCounters;
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
            CopiedSegments = c.CopySegs,
            RepeatSegments = c.RepeatSegs,
            FecRecovered = FecRecovered,
            FecErrors = decoder.Errors,
            FecParityShards = FecParityShards,
            FecShortShards = decoder.ShortShards,
            InChecksumErrors = ChecksumErrors,
            OobDatagramsSent = OobSent,
            OobDatagramsReceived = OobReceived,
        };
    }

    /// <summary>A datagram from the session's address failed to open (checksum or tag); takes the session's lock.</summary>
    public void OnForged()
    {
        lock (sessionLock)
        {
            ChecksumErrors++;
        }
    }

    /// <summary>Keeps the totals at close (under the session lock): the engine and the decoder are released afterwards.</summary>
    public void Freeze()
    {
        _final = Read();
        _closed = true;
    }

    /// <inheritdoc/>
    public void FoldInto(ref KcpMetricsSnapshot closed)
    {
        lock (sessionLock)
        {
            if (!_folded)
            {
                closed += _final;
                _folded = true;
            }
        }
    }

    /// <inheritdoc/>
    public void AddLiveTo(ref KcpMetricsSnapshot totals)
    {
        lock (sessionLock)
        {
            if (!_folded)
            {
                totals += Read();
            }
        }
    }

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
