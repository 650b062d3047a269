namespace Kcp.Transport.Fec;

/// <summary>The implementation used for the bulk "sum of coefficient × shard" loop of the Reed-Solomon codec.</summary>
internal enum GaloisKernel
{
    /// <summary>One table lookup per byte; always available.</summary>
    Scalar,

    /// <summary>32 bytes per step with two 16-entry nibble tables and <c>vpshufb</c>.</summary>
    Avx2,

    /// <summary>32 bytes per step with one <c>vgf2p8affineqb</c>: multiplication by a constant is an 8×8 bit matrix.</summary>
    Gfni,
}
