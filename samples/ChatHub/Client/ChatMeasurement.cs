using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>
/// Measurement modes of the client, each ending with one JSON line (samples/ChatHub/deploy/measure.sh reads them):
/// <c>--ping N</c> times N round trips of one connection, one at a time, and says which transport carried it (<c>kcp</c>,
/// or <c>websockets</c> when <c>--fallback</c> took over); <c>--bots N --bench S</c> lets N connections
/// broadcast in a closed loop (the next message once the hub answered the last) for S seconds and counts what was sent
/// and delivered, and which server each connection landed on.
/// </summary>
internal static class ChatMeasurement
{
    private const int WarmUpPings = 50;

    public static Task<int> RunAsync(KcpEndPoint server, ChatConnection connections, ChatClientArguments arguments, CancellationToken stop)
        => arguments.Pings > 0 ? PingAsync(server, connections, arguments.Pings, stop) : BenchAsync(server, connections, arguments, stop);

    private static async Task<int> PingAsync(KcpEndPoint server, ChatConnection connections, int count, CancellationToken stop)
    {
        IKcpTransportSelectionFeature? selection = null;
        await using HubConnection connection = connections.Create(s => selection = s);
        long connecting = Stopwatch.GetTimestamp();
        await connection.StartAsync(stop).ConfigureAwait(false);
        double startMs = Stopwatch.GetElapsedTime(connecting).TotalMilliseconds;
        string name = "";
        for (int i = 0; i < WarmUpPings; i++)
        {
            name = await connection.InvokeAsync<string>(nameof(ChatHub.GetServerName), stop).ConfigureAwait(false);
        }

        var milliseconds = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await connection.InvokeAsync<string>(nameof(ChatHub.GetServerName), stop).ConfigureAwait(false);
            milliseconds[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(milliseconds);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode = "ping",
            endpoint = server.IPEndPoint.ToString(),
            transport = ChatConnection.Transport(selection),
            startMs = Math.Round(startMs, 1),
            server = name,
            count,
            p50Ms = Math.Round(Percentile(milliseconds, 0.50), 3),
            p90Ms = Math.Round(Percentile(milliseconds, 0.90), 3),
            p99Ms = Math.Round(Percentile(milliseconds, 0.99), 3),
            meanMs = Math.Round(milliseconds.Average(), 3),
        }));
        await connection.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> BenchAsync(KcpEndPoint server, ChatConnection factory, ChatClientArguments arguments, CancellationToken stop)
    {
        long delivered = 0, sent = 0, failures = 0;
        int measuring = 0;
        var connections = new HubConnection[arguments.Bots];
        var servers = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        try
        {
            // Connect in small waves: a burst of hundreds of new sessions from one address meets the listener's
            // per-prefix admission limits (README, Security) before it meets anything else.
            for (int first = 0; first < connections.Length; first += 10)
            {
                await Task.WhenAll(Enumerable.Range(first, Math.Min(10, connections.Length - first)).Select(async i =>
                {
                    HubConnection connection = factory.Create();
                    connection.On<string, string, string>(ChatHub.ReceiveMessage, (_, _, _) =>
                    {
                        if (Volatile.Read(ref measuring) == 1)
                        {
                            Interlocked.Increment(ref delivered);
                        }
                    });
                    connections[i] = connection;
                    await connection.StartAsync(stop).ConfigureAwait(false);
                    string name = await connection.InvokeAsync<string>(nameof(ChatHub.GetServerName), stop).ConfigureAwait(false);
                    servers.AddOrUpdate(name, 1, (_, n) => n + 1);
                })).ConfigureAwait(false);
            }

            var clock = Stopwatch.StartNew();
            Volatile.Write(ref measuring, 1);
            TimeSpan window = TimeSpan.FromSeconds(arguments.BenchSeconds);
            await Task.WhenAll(connections.Select((connection, i) => Task.Run(async () =>
            {
                string user = $"{arguments.Name}-bench-{i + 1}";
                long n = 0;
                while (clock.Elapsed < window && !stop.IsCancellationRequested)
                {
                    try
                    {
                        await connection.InvokeAsync(nameof(ChatHub.Send), user, $"m{++n}", stop).ConfigureAwait(false);
                        Interlocked.Increment(ref sent);
                    }
                    catch (Exception e) when (e is InvalidOperationException or HubException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }, stop))).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            Volatile.Write(ref measuring, 0);

            Console.WriteLine(JsonSerializer.Serialize(new
            {
                mode = "bench",
                endpoint = server.IPEndPoint.ToString(),
                bots = arguments.Bots,
                seconds = Math.Round(seconds, 2),
                sent = Interlocked.Read(ref sent),
                sentPerSecond = Math.Round(Interlocked.Read(ref sent) / seconds, 1),
                delivered = Interlocked.Read(ref delivered),
                deliveredPerSecond = Math.Round(Interlocked.Read(ref delivered) / seconds, 1),
                failures = Interlocked.Read(ref failures),
                sessionsPerServer = new SortedDictionary<string, int>(servers, StringComparer.Ordinal),
            }));
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 1;
        }
        finally
        {
            foreach (HubConnection? connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
