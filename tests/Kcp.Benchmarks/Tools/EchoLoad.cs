using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Kcp.Transport;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// Many concurrent sessions against one echo listener (ours or kcp-go's): each sends --size bytes every
/// --interval-ms and times the echo. Prints one JSON line with the echo latency percentiles over the measured window.
/// Usage: load HOST:PORT --sessions K [--seconds D] [--size 64] [--interval-ms 1000] [--mode-preset fast] [--server-pid PID]
/// [--crypt NAME --key KEY] [--datashard N --parityshard M] (the listener's own flags must match)
/// With --server-pid (Linux) it also reports the server's CPU use over the window and its resident memory growth
/// per session (VmRSS before the sessions connected and at the end of the window).
/// </summary>
internal static class EchoLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        IPEndPoint server = IPEndPoint.Parse(args[0]);
        int sessions = 1000, size = 64, intervalMs = 1000, serverPid = 0;
        double seconds = 20;
        var options = new KcpOptions { IdleTimeout = TimeSpan.FromMinutes(5), SocketReceiveBufferSize = 0, SocketSendBufferSize = 0 };
        options.ApplyPreset(KcpPreset.Fast);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--sessions": sessions = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--size": size = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--interval-ms": intervalMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--server-pid": serverPid = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--mode-preset": options.ApplyPreset(Enum.Parse<KcpPreset>(value, ignoreCase: true)); break;
                case "--crypt": options.Crypt = value; break;
                case "--key": options.Key = value; break;
                case "--datashard": options.DataShards = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--parityshard": options.ParityShards = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        long rssBefore = ServerProcess.RssKb(serverPid);
        var clients = new KcpSession[sessions];
        for (int i = 0; i < sessions; i++)
        {
            clients[i] = await KcpClient.ConnectAsync(server, options);
            if (i % 500 == 499)
            {
                await Task.Delay(50); // let the listener accept in bursts, not all at once
            }
        }

        var run = new LoadRun(size, intervalMs);
        Task[] loops = clients.Select(c => run.LoopAsync(c)).ToArray();

        // Ramp: every session has echoed once (or the time is up), then a settling second.
        var ramp = Stopwatch.StartNew();
        while (Volatile.Read(ref run.Started) < sessions && ramp.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        await Task.Delay(Math.Max(intervalMs, 1000));
        run.Measuring = true;
        Console.Error.WriteLine($"load: {run.Started}/{sessions} sessions echoing; measuring {seconds} s");
        double cpuBefore = ServerProcess.CpuSeconds(serverPid);
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        run.Measuring = false;
        double cpuPercent = (ServerProcess.CpuSeconds(serverPid) - cpuBefore) / window.Elapsed.TotalSeconds * 100;
        long rssAfter = ServerProcess.RssKb(serverPid);
        run.Stop.Cancel();
        await Task.WhenAll(loops);
        foreach (KcpSession client in clients)
        {
            client.Abort();
        }

        double[] latencies = [.. run.Latencies.SelectMany(l => l).Order()];
        double Percentile(double p) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(p * latencies.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $$"""{"sessions":{{sessions}},"echoing":{{run.Started}},"echoes":{{latencies.Length}},"timeouts":{{run.Timeouts}},"p50_ms":{{Percentile(0.50):F2}},"p99_ms":{{Percentile(0.99):F2}},"max_ms":{{(latencies.Length == 0 ? double.NaN : latencies[^1]):F2}},"server_cpu_pct":{{cpuPercent:F1}},"server_rss_mb":{{rssAfter / 1024.0:F1}},"server_kb_per_session":{{(double)(rssAfter - rssBefore) / sessions:F1}}}"""));
        return 0;
    }

    private sealed class LoadRun(int size, int intervalMs)
    {
        public readonly CancellationTokenSource Stop = new();
        public readonly List<List<double>> Latencies = [];
        public int Started;
        public int Timeouts;
        public volatile bool Measuring;

        public async Task LoopAsync(KcpSession session)
        {
            var latencies = new List<double>();
            lock (Latencies)
            {
                Latencies.Add(latencies);
            }

            byte[] payload = new byte[size];
            bool first = true;
            await Task.Delay(Random.Shared.Next(intervalMs)).ConfigureAwait(false);
            long next = Stopwatch.GetTimestamp();
            while (!Stop.IsCancellationRequested)
            {
                long start = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    await session.Output.WriteAsync(payload).ConfigureAwait(false);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stop.Token);
                    timeout.CancelAfter(5000);
                    ok = await ReadAsync(session, size, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    ok = false;
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    return;
                }

                if (Stop.IsCancellationRequested)
                {
                    return;
                }

                if (!ok)
                {
                    Interlocked.Increment(ref Timeouts);
                }
                else if (first)
                {
                    first = false;
                    Interlocked.Increment(ref Started);
                }
                else if (Measuring)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }

                next += intervalMs * Stopwatch.Frequency / 1000;
                long wait = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                try
                {
                    await Task.Delay((int)Math.Max(wait, 0), Stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private static async Task<bool> ReadAsync(KcpSession session, int size, CancellationToken cancellationToken)
        {
            long got = 0;
            while (got < size)
            {
                var result = await session.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                long take = Math.Min(buffer.Length, size - got);
                got += take;
                session.Input.AdvanceTo(buffer.GetPosition(take));
                if (result.IsCompleted && got < size)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
