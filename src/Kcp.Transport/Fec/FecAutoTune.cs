namespace Kcp.Transport.Fec;

/// <summary>
/// Learns the peer's shard counts from the data/parity pattern of received seqids (kcp-wire.md §3.7), so a decoder
/// configured differently, or created with (1, 1) because FEC was off locally, can still repair losses.
/// </summary>
/// <remarks>
/// Our own formulation of kcp-go's idea: samples sit in a ring indexed by seqid; a period is the length of the newest
/// run of one type that is bounded by the other type on both sides, inside a stretch of consecutive seqids (a loss
/// breaks the stretch, so a guess is never made across a gap).
/// </remarks>
internal sealed class FecAutoTune
{
    /// <summary>Ring size; kcp-go keeps 258 samples, enough to see a full 255+1 group with both edges.</summary>
    public const int Samples = 258;

    private readonly uint[] _seq = new uint[Samples];
    private readonly bool[] _isData = new bool[Samples];
    private readonly bool[] _valid = new bool[Samples];
    private uint _newest;
    private bool _any;

    /// <summary>Records one received shard.</summary>
    public void Sample(bool isData, uint seqId)
    {
        int slot = (int)(seqId % Samples);
        _seq[slot] = seqId;
        _isData[slot] = isData;
        _valid[slot] = true;
        if (!_any || unchecked((int)(seqId - _newest)) > 0)
        {
            _newest = seqId;
            _any = true;
        }
    }

    /// <summary>The shard counts the samples show, when both a data run and a parity run are fully visible.</summary>
    public bool TryFindShardCounts(out int dataShards, out int parityShards)
    {
        dataShards = FindPeriod(isData: true);
        parityShards = FindPeriod(isData: false);
        return dataShards > 0 && parityShards > 0 && dataShards + parityShards <= ReedSolomon.MaxTotalShards;
    }

    /// <summary>Length of the newest complete run of <paramref name="isData"/> samples, or −1.</summary>
    public int FindPeriod(bool isData)
    {
        if (!_any)
        {
            return -1;
        }

        // Walk back from the newest seqid while samples are consecutive; runEnd marks where the current run started
        // (seen from the newer side) once a transition has been seen.
        uint seq = _newest;
        if (!Holds(seq))
        {
            return -1;
        }

        bool current = _isData[Slot(seq)];
        int runLength = 1;
        bool runHasNewerEdge = false;
        for (int steps = 1; steps < Samples; steps++)
        {
            seq--;
            if (!Holds(seq))
            {
                return -1;
            }

            bool bit = _isData[Slot(seq)];
            if (bit == current)
            {
                runLength++;
                continue;
            }

            // A transition: the run just walked is complete if it also had a transition on its newer side.
            if (runHasNewerEdge && current == isData)
            {
                return runLength;
            }

            current = bit;
            runLength = 1;
            runHasNewerEdge = true;
        }

        return -1;
    }

    private static int Slot(uint seq) => (int)(seq % Samples);

    private bool Holds(uint seq)
    {
        int slot = Slot(seq);
        return _valid[slot] && _seq[slot] == seq;
    }
}
