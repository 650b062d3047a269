using System.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// Loopback neither loses nor reorders, so a peer that fast-retransmits there was shown its own datagrams out of order:
/// two receive loops on the listener's socket took one session's datagrams in two batches and delivered the later
/// batch first (7-9 % of a bulk echo's segments were resent).
/// </summary>
public sealed class ReceiveOrderTests
{
    private static KcpOptions Options(int window) => new()
    {
        SendWindow = window,
        ReceiveWindow = window,
        NoDelay = 1,
        Interval = 10,
        FastResend = 2,
        NoCongestionWindow = true,
        Crypt = "salsa20",
        Key = "receive order",
        DataShards = 10,
        ParityShards = 3,
        MaxReadBufferSize = 4 * 1024 * 1024,
        MaxWriteBufferSize = 4 * 1024 * 1024,
    };

    [Fact]
    public async Task BulkEcho_DefaultListener_PeerNeverFastRetransmits()
    {
        const int Size = 512 * 1024;
        const int Echoes = 16;
        await using var listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(4096));
        _ = Task.Run(async () =>
        {
            KcpSession session = (await listener.AcceptAsync())!;
            await session.Input.CopyToAsync(session.Output);
        });
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Options(1024));
        byte[] payload = PipeTransfer.RandomBytes(Size, seed: 7);

        for (int echo = 0; echo < Echoes; echo++)
        {
            Task write = PipeTransfer.WriteAllAsync(client.Output, payload, chunk: Size);
            byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, Size).WaitAsync(TimeSpan.FromSeconds(60));
            await write;
            Assert.Equal(payload, echoed);
        }

        KcpSessionStatistics stats = client.GetStatistics();
        Assert.True(stats.Counters.OutSegments > Echoes * Size / 1400, $"only {stats.Counters.OutSegments} segments sent");
        Assert.Equal(0, stats.Counters.FastRetransmittedSegments);
        Assert.Equal(0, stats.Counters.EarlyRetransmittedSegments);
    }
}
