using System.Diagnostics;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatHubSample.Client;

/// <summary>Load mode: N KCP clients, each broadcasting a message periodically; prints throughput and round trips.</summary>
internal static class ChatBots
{
    public static async Task<int> RunAsync(KcpEndPoint server, ChatClientArguments arguments, CancellationToken stop)
    {
        long sent = 0, received = 0, failures = 0, reconnects = 0;
        var connections = new List<HubConnection>(arguments.Bots);
        try
        {
            for (int i = 1; i <= arguments.Bots; i++)
            {
                HubConnection connection = ChatConnection.Create(server);
                connection.On<string, string, string>(ChatHub.ReceiveMessage, (_, _, _) => Interlocked.Increment(ref received));
                connection.Reconnected += _ =>
                {
                    Interlocked.Increment(ref reconnects);
                    return Task.CompletedTask;
                };
                connections.Add(connection);
                await connection.StartAsync(stop).ConfigureAwait(false);
            }

            Console.WriteLine($"{arguments.Bots} bots connected to {server.IPEndPoint} over KCP; Ctrl+C stops.");
            var bots = new Task[connections.Count];
            for (int i = 0; i < connections.Count; i++)
            {
                bots[i] = RunBotAsync(connections[i], $"{arguments.Name}-bot-{i + 1}", arguments.IntervalMs, stop);
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
            foreach (HubConnection connection in connections)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
