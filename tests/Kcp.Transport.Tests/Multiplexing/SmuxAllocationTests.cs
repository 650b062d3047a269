using System.IO.Pipelines;
using Kcp.Transport.Tests.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>The smux hot path (frame reader and writer, stream pipes) allocates nothing per frame once warm; snappy adds only the codec's own small objects.</summary>
[Collection(nameof(AllocationCollection))]
public sealed class SmuxAllocationTests
{
    // Snappier 1.3.2's static codec allocates a small object per call (measured: 48 B per compress, 80 B per
    // decompress), one call per chunk of up to 64 KiB, i.e. about two PSH frames: bounded, and not ours to pool.
    [Theory]
    [InlineData(1, KcpSmuxCompression.None, 24)]
    [InlineData(2, KcpSmuxCompression.None, 24)]
    [InlineData(2, KcpSmuxCompression.Snappy, 256)]
    public async Task EchoOverOneStream_SteadyState_AllocatesLittlePerFrame(int version, KcpSmuxCompression compression, int bytesPerFrame)
    {
        // The pipes take reused blocks, as over a KCP session (KcpRuntime's pool, Kestrel's in the transport).
        using var runtime = new KcpRuntime();
        await using var link = new SmuxLink(new KcpSmuxOptions { Version = version, Compression = compression }, pool: runtime.MemoryPool);
        KcpSmuxStream client = link.Client.OpenStream();
        await client.Output.WriteAsync(new byte[1]);
        KcpSmuxStream server = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
        Task echo = Task.Run(async () =>
        {
            ReadResult first = await server.Input.ReadAsync();
            server.Input.AdvanceTo(first.Buffer.End);
            await server.Input.CopyToAsync(server.Output);
        });
        byte[] payload = PipeTransfer.RandomBytes(64 * 1024, seed: 5);

        await PipeTransfer.EchoAsync(client, payload, 8 << 20).DefaultTimeout();
        var rounds = new List<string>();
        double best = double.MaxValue;
        for (int round = 0; round < 5 && best >= bytesPerFrame; round++)
        {
            long framesBefore = link.Counters.FramesSent(2);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await PipeTransfer.EchoAsync(client, payload, 16 << 20).DefaultTimeout();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            long frames = link.Counters.FramesSent(2) - framesBefore;
            best = Math.Min(best, (double)allocated / frames);
            rounds.Add($"{allocated} B / {frames} frames");
        }

        // 24 bytes is the smallest object: less than that per PSH frame (both directions) is less than one object each.
        Assert.True(best < bytesPerFrame, $"allocations per round: {string.Join("; ", rounds)}");
    }
}
