namespace Kcp.Transport.Fec;

/// <summary>What an <see cref="FecDecoder"/> has seen; the FEC rows of kcp-go's Snmp plus our own drop reasons.</summary>
internal struct FecDecoderCounters
{
    /// <summary>Data shards rebuilt from parity and handed to the sink (kcp-go <c>FECRecovered</c>).</summary>
    public long Recovered;

    /// <summary>Rebuilt shards whose size field was invalid, or groups the codec could not decode (<c>FECErrs</c>).</summary>
    public long Errors;

    /// <summary>Parity shards received (<c>FECParityShards</c>).</summary>
    public long ParityShards;

    /// <summary>Groups evicted or expired while holding data shards but before all data was present or recovered.</summary>
    /// <remarks>kcp-go's <c>FECShortShards</c> counts the data shards of such groups; we count the groups.</remarks>
    public long ShortShards;

    /// <summary>Shards whose seqid the decoder already held.</summary>
    public long Duplicates;

    /// <summary>
    /// Packets too short or too long, of an unknown type, with seqid ≥ paws, or whose type disagrees with the
    /// position its seqid implies while auto-tuning has not yet learnt the peer's shard counts.
    /// </summary>
    public long Malformed;

    /// <summary>Shards of a group older than every group in flight; kcp-go would also discard them.</summary>
    public long Stale;

    /// <summary>Shards that arrived after their group had already completed (normally the unneeded parity).</summary>
    public long Late;

    /// <summary>Times the decoder adopted the peer's shard counts learnt by auto-tuning.</summary>
    public long Retunes;
}
