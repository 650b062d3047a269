using System.IO.Pipelines;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>smux sessions and streams over an in-memory link: data, half-close, flow control, keep-alive, endings.</summary>
public sealed class SmuxSessionTests
{
    public static TheoryData<int, KcpSmuxCompression> Variants => new()
    {
        { 1, KcpSmuxCompression.None },
        { 1, KcpSmuxCompression.Snappy },
        { 2, KcpSmuxCompression.None },
        { 2, KcpSmuxCompression.Snappy },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Streams_CarryDataBothWays_WithFinCompletingThePeersInput(int version, KcpSmuxCompression compression)
    {
        await using var link = new SmuxLink(new KcpSmuxOptions { Version = version, Compression = compression });
        KcpSmuxStream client = link.Client.OpenStream();
        Assert.Equal(3u, client.Id);
        byte[] request = PipeTransfer.RandomBytes(300_000, seed: version);
        Task write = PipeTransfer.WriteAllAsync(client.Output, request);

        KcpSmuxStream server = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
        Assert.Equal(3u, server.Id);
        await write.DefaultTimeout();
        await client.Output.CompleteAsync();

        // The client's FIN completes the server's input after every byte; the server can still answer.
        byte[] received = await PipeTransfer.ReadToEndAsync(server.Input).DefaultTimeout();
        Assert.Equal(PipeTransfer.Sha256(request), PipeTransfer.Sha256(received));
        await PipeTransfer.WriteAllAsync(server.Output, received);
        await server.Output.CompleteAsync();
        byte[] echoed = await PipeTransfer.ReadToEndAsync(client.Input).DefaultTimeout();
        Assert.Equal(PipeTransfer.Sha256(request), PipeTransfer.Sha256(echoed));

        await client.DisposeAsync().AsTask().DefaultTimeout();
        await server.DisposeAsync().AsTask().DefaultTimeout();
        Assert.Equal(0, link.Client.StreamCount);
        Assert.Equal(0, link.Server.StreamCount);
        Assert.Equal(KcpSmuxCloseReason.None, link.Server.CloseReason);
        Assert.True(link.Counters.FramesSent((int)Psh) > 0);
        Assert.Equal(2, link.Counters.FramesReceived(Fin));
    }

    [Fact]
    public async Task ServerOpenedStreams_HaveEvenIds_AndManyStreamsInterleave()
    {
        await using var link = new SmuxLink(new KcpSmuxOptions { Version = 2, MaxFrameSize = 4096 });
        KcpSmuxStream first = link.Server.OpenStream();
        Assert.Equal(2u, first.Id);
        Assert.Equal(4u, link.Server.OpenStream().Id);

        var tasks = new List<Task>();
        for (int i = 0; i < 50; i++)
        {
            byte[] payload = PipeTransfer.RandomBytes(20_000 + i, seed: i);
            KcpSmuxStream stream = link.Client.OpenStream();
            tasks.Add(Task.Run(async () =>
            {
                await PipeTransfer.WriteAllAsync(stream.Output, payload, chunk: 1000);
                await stream.Output.CompleteAsync();
            }));
        }

        var sums = new HashSet<string>();
        for (int i = 0; i < 50; i++)
        {
            KcpSmuxStream accepted = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
            Assert.Equal(1u, accepted.Id % 2);
            sums.Add(PipeTransfer.Sha256(await PipeTransfer.ReadToEndAsync(accepted.Input).DefaultTimeout()));
        }

        await Task.WhenAll(tasks).DefaultTimeout();
        for (int i = 0; i < 50; i++)
        {
            Assert.Contains(PipeTransfer.Sha256(PipeTransfer.RandomBytes(20_000 + i, seed: i)), sums);
        }
    }

    [Fact]
    public async Task Version2_AStalledStream_DoesNotStallTheOthers()
    {
        var options = new KcpSmuxOptions { Version = 2, MaxStreamBuffer = 64 * 1024, MaxReceiveBuffer = 1024 * 1024 };
        await using var link = new SmuxLink(options);
        KcpSmuxStream stalled = link.Client.OpenStream();
        Task flood = PipeTransfer.WriteAllAsync(stalled.Output, new byte[8 * 1024 * 1024]);
        KcpSmuxStream stalledServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;

        // Nobody reads the stalled stream: its window (256 KiB until the first UPD) holds the sender back.
        KcpSmuxStream other = link.Client.OpenStream();
        byte[] payload = PipeTransfer.RandomBytes(2 * 1024 * 1024, seed: 7);
        Task write = PipeTransfer.WriteAllAsync(other.Output, payload);
        KcpSmuxStream otherServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
        byte[] received = await PipeTransfer.ReadExactlyAsync(otherServer.Input, payload.Length).DefaultTimeout();
        await write.DefaultTimeout();
        Assert.Equal(PipeTransfer.Sha256(payload), PipeTransfer.Sha256(received));
        Assert.False(flood.IsCompleted);

        // Reading the stalled stream lets the rest through.
        _ = await PipeTransfer.ReadExactlyAsync(stalledServer.Input, 8 * 1024 * 1024).DefaultTimeout();
        await flood.DefaultTimeout();
    }

    [Fact]
    public async Task Version1_AStalledStreamBelowTheSessionBuffer_DoesNotStallTheOthers_AndAtTheBufferTheSessionPauses()
    {
        var options = new KcpSmuxOptions { Version = 1, MaxReceiveBuffer = 1024 * 1024, MaxStreamBuffer = 64 * 1024 };
        await using var link = new SmuxLink(options);
        KcpSmuxStream stalled = link.Client.OpenStream();
        await PipeTransfer.WriteAllAsync(stalled.Output, new byte[512 * 1024]);
        KcpSmuxStream stalledServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;

        KcpSmuxStream other = link.Client.OpenStream();
        byte[] payload = PipeTransfer.RandomBytes(2 * 1024 * 1024, seed: 8);
        Task write = PipeTransfer.WriteAllAsync(other.Output, payload);
        KcpSmuxStream otherServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
        byte[] received = await PipeTransfer.ReadExactlyAsync(otherServer.Input, payload.Length).DefaultTimeout();
        await write.DefaultTimeout();
        Assert.Equal(PipeTransfer.Sha256(payload), PipeTransfer.Sha256(received));

        // Past the session buffer, v1 has no per-stream window: the session stops reading (backpressure to KCP).
        Task more = PipeTransfer.WriteAllAsync(stalled.Output, new byte[4 * 1024 * 1024]);
        await Task.Delay(300);
        Assert.False(more.IsCompleted);
        _ = await PipeTransfer.ReadExactlyAsync(stalledServer.Input, 512 * 1024 + 4 * 1024 * 1024).DefaultTimeout();
        await more.DefaultTimeout();
    }

    [Fact]
    public async Task KeepAlive_ClosesASilentSession_AndResetsItsStreams()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var options = new KcpSmuxOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromMilliseconds(300), Compression = KcpSmuxCompression.None };
        await using KcpSmuxSession server = KcpSmuxSession.Start(new Duplex(toServer.Reader, toClient.Writer), options, isClient: false);

        // A peer that opens a stream and then falls silent.
        await toServer.Writer.WriteAsync(new byte[] { 1, 0, 0, 0, 3, 0, 0, 0 });
        KcpSmuxStream stream = (await server.AcceptStreamAsync().DefaultTimeout())!;
        await Task.Delay(100);
        await server.Completion.DefaultTimeout();
        Assert.Equal(KcpSmuxCloseReason.KeepAliveTimeout, server.CloseReason);
        var reset = await Assert.ThrowsAsync<KcpSmuxSessionClosedException>(async () => await stream.Input.ReadAsync());
        Assert.Equal(KcpSmuxCloseReason.KeepAliveTimeout, reset.Reason);

        // It pinged meanwhile: NOP frames went out.
        ReadResult sent = await toClient.Reader.ReadAsync().DefaultTimeout();
        Assert.Equal(new byte[] { 1, 3, 0, 0, 0, 0, 0, 0 }, System.Buffers.BuffersExtensions.ToArray(sent.Buffer.Slice(0, 8)));
    }

    [Theory]
    [InlineData(1, KcpSmuxCompression.None, 2, KcpSmuxCompression.None, "version_mismatch")]
    [InlineData(2, KcpSmuxCompression.Snappy, 1, KcpSmuxCompression.Snappy, "version_mismatch")]
    [InlineData(1, KcpSmuxCompression.Snappy, 1, KcpSmuxCompression.None, "snappy_unexpected")]
    [InlineData(1, KcpSmuxCompression.None, 1, KcpSmuxCompression.Snappy, "snappy_missing")]
    public async Task Mismatch_EndsTheSessionWithTheExactReason(int clientVersion, KcpSmuxCompression clientCompression, int serverVersion, KcpSmuxCompression serverCompression, string reason)
    {
        await using var link = new SmuxLink(
            new KcpSmuxOptions { Version = clientVersion, Compression = clientCompression },
            new KcpSmuxOptions { Version = serverVersion, Compression = serverCompression });
        KcpSmuxStream stream = link.Client.OpenStream();
        await stream.Output.WriteAsync("hello"u8.ToArray());
        await link.Server.Completion.DefaultTimeout();
        Assert.Equal(KcpSmuxCloseReason.ProtocolError, link.Server.CloseReason);
        var error = Enum.GetValues<SmuxProtocolError>().Single(e => e.TagValue() == reason);
        Assert.Equal(1, link.Counters.Errors(error));
        Assert.Null(await link.Server.AcceptStreamAsync().DefaultTimeout());
    }

    [Fact]
    public async Task TransportLoss_ResetsEveryStream_AndStreamAbortLeavesTheSessionUp()
    {
        await using var link = new SmuxLink(new KcpSmuxOptions { Compression = KcpSmuxCompression.None });
        KcpSmuxStream aborted = link.Client.OpenStream();
        KcpSmuxStream kept = link.Client.OpenStream();
        await kept.Output.WriteAsync("x"u8.ToArray());
        KcpSmuxStream abortedServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;
        KcpSmuxStream keptServer = (await link.Server.AcceptStreamAsync().DefaultTimeout())!;

        aborted.Abort(new OperationCanceledException("cancelled by the test"));
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await aborted.Input.ReadAsync());
        byte[] rest = await PipeTransfer.ReadToEndAsync(abortedServer.Input).DefaultTimeout();
        Assert.Empty(rest);
        Assert.Equal(KcpSmuxCloseReason.None, link.Server.CloseReason);
        Assert.Equal("x"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(keptServer.Input, 1).DefaultTimeout());

        // The link dies: the server's transport input ends.
        await link.ToServer.Writer.CompleteAsync(new IOException("link lost"));
        await link.Server.Completion.DefaultTimeout();
        Assert.Equal(KcpSmuxCloseReason.TransportClosed, link.Server.CloseReason);
        var reset = await Assert.ThrowsAsync<KcpSmuxSessionClosedException>(async () => await keptServer.Input.ReadAsync());
        Assert.Equal(KcpSmuxCloseReason.TransportClosed, reset.Reason);
        FlushResult flush = await keptServer.Output.WriteAsync("y"u8.ToArray());
        Assert.True(flush.IsCompleted);
    }

    private const int Fin = 1;
    private const int Psh = 2;

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
