using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Kcp.Transport.Fec;

namespace Kcp.Benchmarks;

/// <summary>
/// Mirrors kcp-go's fec_test.go BenchmarkFECEncode / BenchmarkFECDecode: groups of 10 data + 3 parity shards,
/// 1500-byte packets, decode with one packet in 13 lost at random. One operation = one packet, so
/// MB/s = 1500 / (ns per op) × 1000, the figure Go's b.SetBytes(1500) prints.
/// </summary>
[MemoryDiagnoser]
public class FecBenchmarks
{
    private const int DataShards = 10;
    private const int ParityShards = 3;
    private const int PayLoad = 1500;
    private const int PacketsPerInvoke = 1300;

    private readonly byte[] _packet = new byte[PayLoad];
    private FecEncoder _encoder = null!;
    private FecDecoder _decoder = null!;
    private Random _random = null!;
    private uint _seq;

    [GlobalSetup]
    public void Setup()
    {
        _encoder = new FecEncoder(DataShards, ParityShards, 0);
        _decoder = new FecDecoder(DataShards, ParityShards);
        _random = new Random(42);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _encoder.Dispose();
        _decoder.Dispose();
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public int FECEncode()
    {
        int parity = 0;
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            parity += _encoder.Encode(_packet);
        }

        return parity;
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public long FECDecode()
    {
        var sink = new NullSink();
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            uint seq = _seq++;
            if (_random.Next() % (DataShards + ParityShards) == 0)
            {
                continue; // random loss, as kcp-go's benchmark does
            }

            // Like kcp-go's benchmark the body is zero, so rebuilt shards fail the size check (counted as errors).
            BinaryPrimitives.WriteUInt32LittleEndian(_packet, seq);
            BinaryPrimitives.WriteUInt16LittleEndian(
                _packet.AsSpan(4),
                seq % (DataShards + ParityShards) >= DataShards ? FecPacket.TypeParity : FecPacket.TypeData);
            _decoder.Decode(_packet, seq, ref sink);
        }

        return _decoder.Counters.Recovered + _decoder.Counters.Errors;
    }

    private struct NullSink : IFecRecoveredSink
    {
        public readonly void OnRecovered(ReadOnlySpan<byte> kcpPart)
        {
        }
    }
}
