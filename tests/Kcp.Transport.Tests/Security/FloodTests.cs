using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Protocol;
using Xunit.Abstractions;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

public sealed class FloodTests(ITestOutputHelper output)
{
    private const int FloodSources = 300;
    private const int PoolCap = 32;

    [Fact]
    public async Task NewSourceFlood_SessionsStayWithinCaps_TransferCompletes_NoAmplification()
    {
        KcpOptions options = Options();
        options.Security.MaxUnvalidatedSessions = PoolCap;
        options.Security.NewSessionsPerSecondPerPrefix = 0;   // let the pool's bound do the limiting here
        await using var listener = KcpListener.Bind(Loopback, options);
        KcpSession? legitServer = null;
        _ = Task.Run(async () =>
        {
            while (await listener.AcceptAsync() is { } session)
            {
                if (legitServer is null)
                {
                    legitServer = session;
                    _ = session.Input.CopyToAsync(session.Output);
                }
                else
                {
                    // Flood sessions are asked for 64 KB each: only the amplification budget holds it back.
                    _ = session.Output.WriteAsync(new byte[64 * 1024]).AsTask();
                }
            }
        });

        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        await EchoTransferAsync(client, 64 * 1024, seed: 1);   // establish and validate
        // Medians of three 2 MiB echoes each: the shared 2-core box makes single runs noisy.
        double baseline = await MedianAsync(client, seed: 2);
        KcpSessionStatistics beforeFlood = client.GetStatistics();

        var floodClock = System.Diagnostics.Stopwatch.StartNew();
        var sources = Enumerable.Range(0, FloodSources).Select(_ => NewSocket()).ToArray();
        var sent = new long[FloodSources];
        byte[][] datagrams = Enumerable.Range(0, FloodSources)
            .Select(i => Segments.Build(Segments.Push((uint)(0x7000 + i), 0, 1, new byte[100]))).ToArray();
        int maxUnvalidated = 0, maxSessions = 0;
        using var stop = new CancellationTokenSource();
        Task flood = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < FloodSources; i++)
                {
                    byte[] datagram = datagrams[i];
                    sources[i].SendTo(datagram, listener.LocalEndPoint);
                    sent[i] += datagram.Length;
                }

                maxUnvalidated = Math.Max(maxUnvalidated, listener.UnvalidatedSessionCount);
                maxSessions = Math.Max(maxSessions, listener.SessionCount);
                await Task.Delay(2);
            }
        });

        double flooded;
        try
        {
            await WaitUntilAsync(() => listener.UnvalidatedSessionCount >= PoolCap, "the flood to fill the pool");
            flooded = await MedianAsync(client, seed: 3);
        }
        finally
        {
            stop.Cancel();
            await flood;
        }

        await Task.Delay(1000);   // retransmission timers of flood sessions fire (beyond the budget only as probes)
        long received = 0, worst = 0;
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        for (int i = 0; i < FloodSources; i++)
        {
            long got = 0;
            while (sources[i].Available > 0)
            {
                got += sources[i].ReceiveFrom(buffer, ref any);
            }

            // 3x, plus the backed-off probes that keep a real peer from deadlocking when an answer is lost.
            long probes = Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(floodClock.ElapsedMilliseconds);
            Assert.True(got <= (3 * sent[i]) + (probes * 1500), $"source {i} received {got} bytes for {sent[i]} sent");
            received += got;
            worst = Math.Max(worst, got);
            sources[i].Dispose();
        }

        KcpSessionStatistics afterFlood = client.GetStatistics();
        output.WriteLine($"client retransmissions during the flood: {afterFlood.Counters.RetransmittedSegments - beforeFlood.Counters.RetransmittedSegments} " +
            $"(lost {afterFlood.Counters.LostSegments - beforeFlood.Counters.LostSegments}, fast {afterFlood.Counters.FastRetransmittedSegments - beforeFlood.Counters.FastRetransmittedSegments}), " +
            $"before it: {beforeFlood.Counters.RetransmittedSegments}; rtt {afterFlood.SmoothedRtt} ms");
        output.WriteLine($"baseline 2 MiB echo {baseline:F3} s, under flood {flooded:F3} s (medians of 3): {100 * baseline / flooded:F0} % of the throughput");
        output.WriteLine($"flood: {sent.Sum()} bytes sent from {FloodSources} ports, {received} bytes came back (worst source {worst}); " +
            $"max unvalidated {maxUnvalidated}, max sessions {maxSessions}; refused {listener.Counters.Dropped(PacketDropReason.UnvalidatedLimit)}, " +
            $"held by the budget {listener.Counters.Dropped(PacketDropReason.AmplificationLimit)}");
        // Every source repeats one datagram (same timestamp): never a retransmission, so none takes a place in the full pool.
        Assert.InRange(maxUnvalidated, 1, PoolCap);
        Assert.True(maxSessions <= PoolCap + 1, $"{maxSessions} sessions");
        Assert.Equal(0, listener.Counters.SessionsEvicted);
        Assert.True(listener.Counters.Dropped(PacketDropReason.UnvalidatedLimit) > 0);
        Assert.True(legitServer!.Core.IsAddressValidated);
    }

    [Fact]
    public async Task TakeoverFlood_NewConversationsFromKnownAddresses_OpenNoMoreSessionsThanTheRateAllows()
    {
        // Arrange: a few ports that start a new conversation (PUSH sn 0, kcp-go's restarted-client rule) with every
        // datagram, each taking its address over from the session the previous one opened.
        const double Rate = 20;
        const int Burst = 10;
        KcpOptions options = Options();
        options.Security.NewSessionsPerSecondPerPrefix = Rate;
        options.Security.NewSessionBurstPerPrefix = Burst;
        await using var listener = KcpListener.Bind(Loopback, options);
        _ = EchoAllAsync(listener);
        Socket[] sources = [.. Enumerable.Range(0, 10).Select(_ => NewSocket())];
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Act: 200 datagrams every 5 ms for 2 s, each a new conversation.
        uint conv = 0x9000;
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            for (int i = 0; i < 200; i++)
            {
                sources[i % sources.Length].SendTo(Segments.Build(Segments.Push(conv++, 0, 1, new byte[100])), listener.LocalEndPoint);
            }

            await Task.Delay(5);
        }

        await WaitForProcessedAsync(listener, conv - 0x9000);
        double seconds = clock.Elapsed.TotalSeconds;

        // Assert
        long opened = listener.Counters.PassiveOpens;
        output.WriteLine($"{conv - 0x9000} new conversations in {seconds:0.0} s opened {opened} sessions; rate limited {listener.Counters.Dropped(PacketDropReason.RateLimited)}");
        Assert.InRange(opened, 1, Burst + (long)Math.Ceiling(Rate * seconds) + 1);
        Assert.True(listener.Counters.Dropped(PacketDropReason.RateLimited) > 0);
        foreach (Socket source in sources)
        {
            source.Dispose();
        }
    }

    private static async Task<double> MedianAsync(KcpSession client, int seed)
    {
        var seconds = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            seconds.Add(await EchoTransferAsync(client, 2 << 20, seed + (10 * i)));
        }

        seconds.Sort();
        return seconds[1];
    }
}
