using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Kcp.AspNetCore;
using Kcp.LinkEmulator.Grpc;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// gRPC streaming: --clients channels (each its own connection, as each SignalR client has one), each with one duplex
/// call sending a small stamp --rate times a second; the server returns each with its arrival time. Samples are one-way
/// delivery times both ways, as in <see cref="SignalRWorkload"/>, after the same warm-up.
/// </summary>
internal static class GrpcWorkload
{
    private static readonly ByteString Payload = ByteString.CopyFrom(new byte[64]);

    public static async Task<WorkloadResult> RunAsync(ClientOptions options)
    {
        var samples = new LatencySamples();
        long sent = 0;
        long echoed = 0;
        long countFrom = long.MaxValue;
        var channels = new List<GrpcChannel>();
        using var end = new CancellationTokenSource();
        try
        {
            var calls = new List<AsyncDuplexStreamingCall<Stamp, Stamp>>();
            for (int i = 0; i < options.Clients; i++)
            {
                GrpcChannel channel = CreateChannel(options);
                channels.Add(channel);
                calls.Add(new StreamEcho.StreamEchoClient(channel).Duplex(cancellationToken: end.Token));
            }

            List<Task> readers = [.. calls.Select(call => Task.Run(async () =>
            {
                try
                {
                    await foreach (Stamp stamp in call.ResponseStream.ReadAllAsync(end.Token))
                    {
                        long now = Stopwatch.GetTimestamp();
                        Interlocked.Increment(ref echoed);
                        if (stamp.SentAt >= Volatile.Read(ref countFrom))
                        {
                            samples.Add(Milliseconds(stamp.ArrivedAt - stamp.SentAt));
                            samples.Add(Milliseconds(now - stamp.ArrivedAt));
                        }
                    }
                }
                catch (RpcException) when (end.IsCancellationRequested)
                {
                    // The run ended with the call still open.
                }
            }))];

            var clock = Stopwatch.StartNew();
            Volatile.Write(ref countFrom, Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency));
            TimeSpan duration = TimeSpan.FromSeconds(options.Seconds + options.WarmupSeconds);
            TimeSpan period = TimeSpan.FromSeconds(1 / options.Rate);
            await Task.WhenAll(calls.Select(async (call, index) =>
            {
                await Task.Delay(period * index / options.Clients);
                using var timer = new PeriodicTimer(period);
                while (clock.Elapsed < duration && await timer.WaitForNextTickAsync())
                {
                    // A call takes one write at a time: a stalled stream skips ticks (counted as not sent).
                    await call.RequestStream.WriteAsync(new Stamp { SentAt = Stopwatch.GetTimestamp(), Payload = Payload });
                    Interlocked.Increment(ref sent);
                }
            }));

            var drain = Stopwatch.StartNew();
            while (Interlocked.Read(ref echoed) < Interlocked.Read(ref sent) && drain.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50);
            }

            samples.WriteTo(options.SamplesPath);
            var result = WorkloadResult.From(samples, Interlocked.Read(ref sent) - Interlocked.Read(ref echoed), clock.Elapsed.TotalSeconds - options.WarmupSeconds);
            await Task.WhenAll(calls.Select(c => c.RequestStream.CompleteAsync()));
            await end.CancelAsync();
            await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10));
            return result;
        }
        finally
        {
            foreach (GrpcChannel channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private static GrpcChannel CreateChannel(ClientOptions options)
    {
        if (options.IsTcp)
        {
            return GrpcChannel.ForAddress($"http://{options.Server}:{KcpConfig.TcpGrpcPort}");
        }

        KcpConfig config = KcpConfig.Parse(options.Config);
        var kcp = new Kcp.Transport.KcpOptions();
        config.Configure(kcp);
        // The host is only a label: the handler dials the endpoint.
        return GrpcChannel.ForAddress("http://grpc.kcp", new GrpcChannelOptions { HttpHandler = KcpHttpHandler.Create(config.GrpcEndPoint(options.Server), kcp) });
    }

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
