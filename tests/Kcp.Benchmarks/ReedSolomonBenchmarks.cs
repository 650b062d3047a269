using BenchmarkDotNet.Attributes;
using Kcp.Transport.Fec;

namespace Kcp.Benchmarks;

/// <summary>Reed-Solomon 10+3 over 1500-byte shards, per GF kernel (one op = one group of 10 data shards).</summary>
[MemoryDiagnoser]
public class ReedSolomonBenchmarks
{
    private const int ShardSize = 1500;

    private byte[][] _shards = null!;
    private ReedSolomon _codec = null!;
    private readonly bool[] _present = [false, true, false, true, true, true, true, true, true, false, true, true, true];

    [Params("Scalar", "Avx2", "Gfni")]
    public string Kernel { get; set; } = "Scalar";

    [GlobalSetup]
    public void Setup()
    {
        GaloisKernel kernel = Enum.Parse<GaloisKernel>(Kernel);
        if (!GaloisKernels.IsSupported(kernel))
        {
            throw new NotSupportedException($"{Kernel} is not supported on this machine.");
        }

        _codec = new ReedSolomon(10, 3, kernel);
        var random = new Random(1);
        _shards = new byte[13][];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new byte[ShardSize];
            random.NextBytes(_shards[i]);
        }

        _codec.Encode(_shards);
    }

    [Benchmark]
    public void Encode() => _codec.Encode(_shards, 0, ShardSize);

    /// <summary>Three data shards lost: the worst case a 10+3 group can repair.</summary>
    [Benchmark]
    public bool ReconstructThree() => _codec.ReconstructData(_shards, _present, 0, ShardSize);
}
