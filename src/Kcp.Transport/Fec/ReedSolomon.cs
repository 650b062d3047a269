
namespace Kcp.Transport.Fec;

/// <summary>
/// Systematic Reed-Solomon erasure code over GF(2^8) whose parity equals klauspost/reedsolomon's default code
/// byte for byte (kcp-wire.md §3.3).
/// </summary>
/// <remarks>
/// Shards are arrays addressed by a common byte range, so the FEC framing can code in place behind its headers.
/// Not thread-safe: decoding uses scratch state owned by the instance.
/// </remarks>
internal sealed class ReedSolomon
{
    /// <summary>Largest total shard count of the GF(2^8) code; kcp-go 5.6.1 disables FEC above it.</summary>
    public const int MaxTotalShards = 256;

    // Decode matrices depend only on which shards were used. A 10+3 link with random loss produces a few dozen
    // patterns; entries are k×k bytes and reused in place, so a miss costs an inversion but no allocation.
    private const int DecodeCacheSize = 64;

    private readonly GaloisMatrix _encodeMatrix;
    private readonly byte[][] _decodeInputs;
    private readonly int[] _usedRows;
    private readonly DecodeCacheEntry?[] _decodeCache = new DecodeCacheEntry?[DecodeCacheSize];
    private GaloisMatrix? _selected;
    private GaloisMatrix? _inversionScratch;
    private int _decodeCacheNext;

    /// <summary>Creates a codec for <paramref name="dataShards"/> data and <paramref name="parityShards"/> parity shards, using the fastest kernel.</summary>
    public ReedSolomon(int dataShards, int parityShards)
        : this(dataShards, parityShards, GaloisKernels.Best)
    {
    }

    /// <summary>Creates a codec that uses <paramref name="kernel"/> (tests and benchmarks compare the kernels).</summary>
    public ReedSolomon(int dataShards, int parityShards, GaloisKernel kernel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards, MaxTotalShards - 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parityShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parityShards, MaxTotalShards - dataShards);
        if (!GaloisKernels.IsSupported(kernel))
        {
            throw new NotSupportedException($"The {kernel} kernel is not supported on this machine.");
        }

        DataShards = dataShards;
        ParityShards = parityShards;
        Kernel = kernel;

        // E = V × inverse(top k×k of V): the top k rows become the identity (systematic code) and any k rows stay
        // invertible. A matrix inverse is unique, so this reproduces klauspost's matrix exactly.
        GaloisMatrix vandermonde = GaloisMatrix.Vandermonde(TotalShards, dataShards);
        GaloisMatrix top = vandermonde.SubRows(0, dataShards).Invert()
            ?? throw new InvalidOperationException("The Vandermonde top square is singular.");
        _encodeMatrix = vandermonde.Multiply(top);

        _decodeInputs = new byte[dataShards][];
        _usedRows = new int[dataShards];
    }

    public int DataShards { get; }

    public int ParityShards { get; }

    public int TotalShards => DataShards + ParityShards;

    public GaloisKernel Kernel { get; }

    /// <summary>Coefficients of parity row <paramref name="index"/>: parity = XOR over j of row[j] · data[j].</summary>
    public ReadOnlySpan<byte> GetParityRow(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ParityShards);
        return _encodeMatrix.Row(DataShards + index);
    }

    /// <summary>Computes the parity shards from the data shards; all shards must have the same length.</summary>
    public void Encode(byte[][] shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        Encode(shards, 0, CommonLength(shards));
    }

    /// <summary>
    /// Computes shards[k..n)[offset..offset+length) from shards[0..k)[offset..offset+length). Allocates nothing.
    /// </summary>
    public void Encode(byte[][] shards, int offset, int length)
    {
        CheckShardArray(shards);
        ReadOnlySpan<byte[]> data = shards.AsSpan(0, DataShards);
        for (int i = 0; i < ParityShards; i++)
        {
            GaloisKernels.Combine(Kernel, GetParityRow(i), data, shards[DataShards + i], offset, length);
        }
    }

    /// <summary>Whether the parity shards match the data shards; all shards must have the same length.</summary>
    public bool Verify(byte[][] shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        return Verify(shards, 0, CommonLength(shards));
    }

    /// <summary>Whether shards[k..n) hold the parity of shards[0..k) over the given range.</summary>
    public bool Verify(byte[][] shards, int offset, int length)
    {
        CheckShardArray(shards);
        byte[] scratch = ArrayPool<byte>.Shared.Rent(offset + length);
        try
        {
            ReadOnlySpan<byte[]> data = shards.AsSpan(0, DataShards);
            for (int i = 0; i < ParityShards; i++)
            {
                GaloisKernels.Combine(Kernel, GetParityRow(i), data, scratch, offset, length);
                if (!scratch.AsSpan(offset, length).SequenceEqual(shards[DataShards + i].AsSpan(offset, length)))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Rebuilds every data shard whose <paramref name="present"/> flag is false from any <c>k</c> present shards.
    /// Missing data shards must still be arrays of sufficient length (they are overwritten); missing parity shards may
    /// be <see langword="null"/> and are not rebuilt.
    /// </summary>
    /// <returns><see langword="false"/> when fewer than <c>k</c> shards are present (nothing is written).</returns>
    public bool ReconstructData(byte[][] shards, ReadOnlySpan<bool> present)
    {
        ArgumentNullException.ThrowIfNull(shards);
        int length = -1;
        for (int i = 0; i < shards.Length && i < present.Length; i++)
        {
            if (present[i] && shards[i] is { } shard)
            {
                length = shard.Length;
                break;
            }
        }

        return length >= 0 && ReconstructData(shards, present, 0, length);
    }

    /// <summary>As <see cref="ReconstructData(byte[][], ReadOnlySpan{bool})"/>, over shards[*][offset..offset+length).</summary>
    public bool ReconstructData(byte[][] shards, ReadOnlySpan<bool> present, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Length != TotalShards || present.Length != TotalShards)
        {
            throw new ArgumentException("One shard and one flag per shard are required.", nameof(shards));
        }

        // Use the first k present shards; every present data shard is among them because data shards come first.
        int used = 0;
        int missingData = 0;
        for (int i = 0; i < TotalShards && used < DataShards; i++)
        {
            if (present[i])
            {
                _usedRows[used++] = i;
            }
            else if (i < DataShards)
            {
                missingData++;
            }
        }

        if (used < DataShards)
        {
            return false;
        }

        if (missingData == 0)
        {
            return true;
        }

        for (int j = 0; j < DataShards; j++)
        {
            _decodeInputs[j] = shards[_usedRows[j]];
        }

        GaloisMatrix decode = GetDecodeMatrix();
        for (int d = 0; d < DataShards; d++)
        {
            if (!present[d])
            {
                // Row d of inverse(E restricted to the used rows) turns the used shards back into data shard d.
                GaloisKernels.Combine(Kernel, decode.Row(d), _decodeInputs, shards[d], offset, length);
            }
        }

        Array.Clear(_decodeInputs);
        return true;
    }

    private GaloisMatrix GetDecodeMatrix()
    {
        foreach (DecodeCacheEntry? entry in _decodeCache)
        {
            if (entry is { Filled: true } && entry.Rows.AsSpan().SequenceEqual(_usedRows))
            {
                return entry.Matrix;
            }
        }

        // Round-robin replacement: the slot's arrays are overwritten, so a full cache no longer allocates.
        DecodeCacheEntry slot = _decodeCache[_decodeCacheNext] ??= new DecodeCacheEntry(DataShards);
        _decodeCacheNext = (_decodeCacheNext + 1) % DecodeCacheSize;

        _selected ??= new GaloisMatrix(DataShards, DataShards);
        _inversionScratch ??= new GaloisMatrix(DataShards, DataShards);
        _encodeMatrix.SelectRowsInto(_usedRows, _selected);

        // Any k rows of E are independent by construction, so this cannot fail for a correct E.
        slot.Filled = false;
        if (!_selected.TryInvertInto(slot.Matrix, _inversionScratch))
        {
            throw new InvalidOperationException("The sub-matrix of the encoding matrix is singular.");
        }

        _usedRows.CopyTo(slot.Rows, 0);
        slot.Filled = true;
        return slot.Matrix;
    }

    private void CheckShardArray(byte[][] shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Length != TotalShards)
        {
            throw new ArgumentException($"Expected {TotalShards} shards, got {shards.Length}.", nameof(shards));
        }
    }

    private static int CommonLength(byte[][] shards)
    {
        if (shards.Length == 0 || shards[0] is null)
        {
            throw new ArgumentException("Shards are missing.", nameof(shards));
        }

        int length = shards[0].Length;
        foreach (byte[] shard in shards)
        {
            if (shard is null || shard.Length != length)
            {
                throw new ArgumentException("All shards must be present and of the same length.", nameof(shards));
            }
        }

        return length;
    }

    private sealed class DecodeCacheEntry(int dataShards)
    {
        public bool Filled { get; set; }

        public int[] Rows { get; } = new int[dataShards];

        public GaloisMatrix Matrix { get; } = new GaloisMatrix(dataShards, dataShards);
    }
}
