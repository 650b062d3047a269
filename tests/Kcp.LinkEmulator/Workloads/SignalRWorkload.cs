using System.Diagnostics;
using Kcp.Transport;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// --clients hub connections (WebSockets over TCP, or raw hub over KCP), each sending a small message --rate times a
/// second for --seconds; the hub echoes it with its arrival time. Samples are one-way delivery times, both ways
/// (client→hub and hub→client, on the machine's one monotonic clock), as a chat or game player sees them. The first
/// --warmup seconds are sent but not counted: steady state, past TCP's slow start and KCP's first RTT samples.
/// </summary>
internal static class SignalRWorkload
{
    private static readonly string Payload = new('x', 64);

    public static async Task<WorkloadResult> RunAsync(ClientOptions options)
    {
        var samples = new LatencySamples();
        long sent = 0;
        long echoed = 0;
        var connections = new List<HubConnection>();
        long countFrom = long.MaxValue;
        try
        {
            for (int i = 0; i < options.Clients; i++)
            {
                HubConnection connection = Build(options);
                connection.On<long, long, string>("Echo", (sentAt, arrivedAt, _) =>
                {
                    long now = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref echoed);
                    if (sentAt < Volatile.Read(ref countFrom))
                    {
                        return;
                    }

                    samples.Add(Milliseconds(arrivedAt - sentAt));
                    samples.Add(Milliseconds(now - arrivedAt));
                });
                connections.Add(connection);
            }

            await Task.WhenAll(connections.Select(c => c.StartAsync()));

            var clock = Stopwatch.StartNew();
            Volatile.Write(ref countFrom, Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency));
            TimeSpan duration = TimeSpan.FromSeconds(options.Seconds + options.WarmupSeconds);
            TimeSpan period = TimeSpan.FromSeconds(1 / options.Rate);
            var sends = new List<Task>();
            await Task.WhenAll(connections.Select(async (connection, index) =>
            {
                // Spread the clients over one period so they do not all send at once.
                await Task.Delay(period * index / options.Clients);
                using var timer = new PeriodicTimer(period);
                var own = new List<Task>();
                while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
                {
                    // Not awaited: a stalled connection queues messages as an application would, each timed from
                    // when it was meant to go.
                    own.Add(connection.SendAsync("Send", Stopwatch.GetTimestamp(), Payload));
                    Interlocked.Increment(ref sent);
                }

                await Task.WhenAll(own);
            }));

            // Let what is in flight arrive (a stalled TCP stream may take seconds).
            var drain = Stopwatch.StartNew();
            while (Interlocked.Read(ref echoed) < Interlocked.Read(ref sent) && drain.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50);
            }

            samples.WriteTo(options.SamplesPath);
            return WorkloadResult.From(samples, Interlocked.Read(ref sent) - Interlocked.Read(ref echoed), clock.Elapsed.TotalSeconds - options.WarmupSeconds);
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static HubConnection Build(ClientOptions options)
    {
        var builder = new HubConnectionBuilder();
        if (options.IsTcp)
        {
            builder.WithUrl($"http://{options.Server}:{KcpConfig.TcpPort}/hub", http =>
            {
                http.Transports = HttpTransportType.WebSockets;
                http.SkipNegotiation = true;
            });
        }
        else
        {
            KcpConfig config = KcpConfig.Parse(options.Config);
            builder.WithKcp(config.HubEndPoint(options.Server), (KcpOptions kcp) => config.Configure(kcp));
        }

        return builder.Build();
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
