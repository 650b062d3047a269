using Google.Protobuf;
using Grpc.Core;

namespace Kcp.Benchmarks.Tools.Grpc;

/// <summary>The gRPC side of the `http` tool: unary echoes the request; Download streams 64 KiB messages.</summary>
internal sealed class BenchService(BenchPayloads payloads) : Bench.BenchBase
{
    public override Task<Payload> Unary(Payload request, ServerCallContext context) => Task.FromResult(request);

    public override async Task Download(DownloadRequest request, IServerStreamWriter<Payload> responseStream, ServerCallContext context)
    {
        for (int i = 0; i < request.Messages && !context.CancellationToken.IsCancellationRequested; i++)
        {
            await responseStream.WriteAsync(payloads.Chunk).ConfigureAwait(false);
        }
    }
}

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
