using Google.Protobuf;

namespace Kcp.Benchmarks.Tools.Grpc;

/// <summary>The response bodies, built once so that the server measures the transport, not the allocation of bodies.</summary>
internal sealed class BenchPayloads
{
    /// <summary>The size of one streamed gRPC message.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>The size of the large HTTP response.</summary>
    public const int LargeSize = 1024 * 1024;

    /// <summary>The small HTTP response, 13 bytes.</summary>
    public byte[] Small { get; } = "Hello, World!"u8.ToArray();

    public byte[] Large { get; } = new byte[LargeSize];

    public Payload Chunk { get; } = new() { Data = ByteString.CopyFrom(new byte[ChunkSize]) };
}
