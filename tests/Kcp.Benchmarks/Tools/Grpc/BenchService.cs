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
