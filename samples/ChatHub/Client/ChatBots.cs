using System.Diagnostics;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>Load mode: N KCP clients, each broadcasting a message periodically; prints throughput and round trips.</summary>
internal static class ChatBots
{
    public static async Task<int> RunAsync(KcpEndPoint server, ChatConnection connections, ChatClientArguments arguments, CancellationToken stop)
    {
        long sent = 0, received = 0, failures = 0, reconnects = 0;
        var connected = new List<HubConnection>(arguments.Bots);
        var transports = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        try
        {
            for (int i = 1; i <= arguments.Bots; i++)
            {
                IKcpTransportSelectionFeature? selection = null;
                HubConnection connection = connections.Create(s => selection = s);
                connection.On<string, string, string>(ChatHub.ReceiveMessage, (_, _, _) => Interlocked.Increment(ref received));
                connection.Reconnected += _ =>
                {
                    Interlocked.Increment(ref reconnects);
                    return Task.CompletedTask;
                };
                connected.Add(connection);
                await connection.StartAsync(stop).ConfigureAwait(false);
                transports.AddOrUpdate(ChatConnection.Transport(selection), 1, (_, n) => n + 1);
            }

            string over = string.Join(", ", transports.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Value} over {t.Key}"));
            Console.WriteLine($"{arguments.Bots} bots connected to {server.IPEndPoint} ({over}); Ctrl+C stops.");
            var bots = new Task[connected.Count];
            for (int i = 0; i < connected.Count; i++)
            {
                bots[i] = RunBotAsync(connected[i], $"{arguments.Name}-bot-{i + 1}", arguments.IntervalMs, stop);
            }

            var clock = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                double seconds = clock.Elapsed.TotalSeconds;
                Console.WriteLine(
                    $"{seconds,6:F0}s  sent {Interlocked.Read(ref sent)} ({Interlocked.Read(ref sent) / seconds:F1}/s)  " +
                    $"received {Interlocked.Read(ref received)} ({Interlocked.Read(ref received) / seconds:F1}/s)  " +
                    $"failures {Interlocked.Read(ref failures)}  reconnects {Interlocked.Read(ref reconnects)}");
            }

            await Task.WhenAll(bots).ConfigureAwait(false);
            return 0;

            async Task RunBotAsync(HubConnection connection, string name, int intervalMs, CancellationToken token)
            {
                // Spread the bots over the interval so they do not all send in the same tick.
                int offset = Random.Shared.Next(intervalMs);
                try
                {
                    await Task.Delay(offset, token).ConfigureAwait(false);
                    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(intervalMs));
                    long n = 0;
                    while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
                    {
                        try
                        {
                            await connection.SendAsync(nameof(ChatHub.Send), name, $"message {++n}", token).ConfigureAwait(false);
                            Interlocked.Increment(ref sent);
                        }
                        catch (InvalidOperationException)
                        {
                            // Reconnecting: count and go on.
                            Interlocked.Increment(ref failures);
                        }
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Ctrl+C.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        finally
        {
            foreach (HubConnection connection in connected)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
