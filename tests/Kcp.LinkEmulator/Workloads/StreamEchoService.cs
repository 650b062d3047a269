using System.Diagnostics;
using Grpc.Core;
using Kcp.LinkEmulator.Grpc;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>The gRPC side of the echo: each stamp goes back on the same call with the time it arrived.</summary>
internal sealed class StreamEchoService : StreamEcho.StreamEchoBase
{
    public override async Task Duplex(IAsyncStreamReader<Stamp> requestStream, IServerStreamWriter<Stamp> responseStream, ServerCallContext context)
    {
        await foreach (Stamp stamp in requestStream.ReadAllAsync(context.CancellationToken))
        {
            stamp.ArrivedAt = Stopwatch.GetTimestamp();
            await responseStream.WriteAsync(stamp, context.CancellationToken);
        }
    }
}
