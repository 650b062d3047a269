using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// How fast a listener lets new sessions in (issue 30, item 1), ours against kcp-go's, each started here in echo mode:
/// <list type="bullet">
/// <item>burst: --sessions clients dial at once from one address (127.0.0.1) and each echoes --size bytes: the time
/// until the last one got its echo, and the per-session percentiles;</item>
/// <item>flood: while --pps spoofed-looking datagrams (a PUSH of a new random conversation each, from sockets bound to
/// 127.0.0.2–254: the client's /24) arrive, --joins new clients from 127.0.0.1 dial one after another: the time until
/// each got its first echo; and an established session's echo throughput before and during the flood.</item>
/// </list>
/// Usage: admission [--runs 3] [--sessions 1024] [--size 64] [--pps 20000] [--joins 5] [--bytes 16777216]
///        [--rounds 3] [--settle-ms 1000] [--skip burst|flood] [--impl NAME=COMMAND]... (default: ours, kcp-go; see firstack)
/// Prints a Markdown table. A measurement, not a test: the machine's other load shows in it.
/// </summary>
internal static class AdmissionTimes
{
    public static async Task<int> RunAsync(string[] args)
    {
        int runs = 3, sessions = 1024, size = 64, pps = 20_000, joins = 5, rounds = 3, settleMs = 1000;
        long bytes = 16 << 20;
        string skip = string.Empty;
        var impls = new List<(string Name, string[] Command)>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sessions": sessions = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--size": size = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--pps": pps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--joins": joins = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--bytes": bytes = long.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--settle-ms": settleMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--skip": skip = value; break;
                case "--impl": impls.Add(ListenerCommand.Parse(value)); break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        if (impls.Count == 0)
        {
            impls = ListenerCommand.Defaults();
        }

        var options = new KcpOptions { ConnectTimeout = TimeSpan.FromSeconds(60), IdleTimeout = TimeSpan.FromMinutes(2), SocketReceiveBufferSize = 0, SocketSendBufferSize = 0 };
        options.ApplyPreset(KcpPreset.Fast);
        Console.WriteLine($"| listener | {sessions} sessions from one address: all echoed | per session p50 / p99 | new client under a {pps / 1000} k/s flood from its /24: first echo, median (max) | established session under that flood |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach ((string name, string[] command) in impls)
        {
            string burstCells = "— | —", floodCells = "— | —";
            if (!skip.Contains("burst", StringComparison.Ordinal))
            {
                var totals = new List<double>();
                var perSession = new List<double>();
                int failed = 0;
                for (int r = 0; r < runs; r++)
                {
                    await using Server server = await Server.StartAsync(command);
                    (double total, List<double> each, int fails) = await BurstAsync(server.EndPoint, sessions, size, options);
                    totals.Add(total);
                    perSession.AddRange(each);
                    failed += fails;
                    Console.Error.WriteLine($"admission: {name} burst run {r + 1}: {total:F0} ms, {fails} failed");
                }

                burstCells = string.Create(CultureInfo.InvariantCulture, $"{Median(totals):F0} ms{(failed > 0 ? $" ({failed} failed)" : string.Empty)} | {Percentile(perSession, 0.5):F0} / {Percentile(perSession, 0.99):F0} ms");
            }

            if (!skip.Contains("flood", StringComparison.Ordinal))
            {
                await using Server floodServer = await Server.StartAsync(command);
                (List<double> joinTimes, double before, double during) = await FloodAsync(floodServer, pps, joins, bytes, rounds, settleMs, options, name);
                floodCells = string.Create(CultureInfo.InvariantCulture,
                    $"{Median(joinTimes):F0} ms ({joinTimes.Max():F0}) | {during:F0} of {before:F0} MB/s ({100 * during / before:F0} %)");
            }

            Console.WriteLine($"| {name} | {burstCells} | {floodCells} |");
        }

        return 0;
    }

    /// <summary>Dials <paramref name="count"/> sessions, then all write at once: ms until the last echo, each one's ms, failures.</summary>
    private static async Task<(double Total, List<double> Each, int Failed)> BurstAsync(IPEndPoint server, int count, int size, KcpOptions options)
    {
        var clients = new KcpSession[count];
        for (int i = 0; i < count; i++)
        {
            clients[i] = await KcpClient.ConnectAsync(server, options);
        }

        var clock = Stopwatch.StartNew();
        double[] times = new double[count];
        int failed = 0;
        await Task.WhenAll(clients.Select(async (client, i) =>
        {
            try
            {
                await EchoOnceAsync(client, size, TimeSpan.FromSeconds(60));
                times[i] = clock.Elapsed.TotalMilliseconds;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException)
            {
                Interlocked.Increment(ref failed);
                times[i] = double.NaN;
            }
        }));
        double total = clock.Elapsed.TotalMilliseconds;
        foreach (KcpSession client in clients)
        {
            client.Abort();
        }

        return (total, [.. times.Where(t => !double.IsNaN(t))], failed);
    }

    private static async Task<(List<double> Joins, double Before, double During)> FloodAsync(
        Server listener, int pps, int joins, long bytes, int rounds, int settleMs, KcpOptions options, string name)
    {
        KcpOptions bulk = options.Clone();
        bulk.ApplyPreset(KcpPreset.Fast3);
        bulk.SendWindow = bulk.ReceiveWindow = 1024;
        bulk.IdleTimeout = TimeSpan.FromMinutes(10);
        IPEndPoint server = listener.EndPoint;
        await using KcpSession established = await KcpClient.ConnectAsync(server, bulk);
        await FloodRetention.EchoAsync(established, bytes);   // warm-up, validation
        double before = await RateAsync(established, bytes, rounds);
        var joinTimes = new List<double>();
        double during;
        using (var flood = new SpoofedFlood(server, pps))
        {
            await Task.Delay(settleMs);   // into the flood: its first second by default, --settle-ms 12000 for after the first sessions it opened were reaped
            during = await RateAsync(established, bytes, rounds);

            // What the flood alone costs the listener: its CPU over 5 s of nothing else.
            double cpuBefore = ServerProcess.CpuSeconds(listener.Pid);
            await Task.Delay(5000);
            Console.Error.WriteLine($"admission: {name} listener CPU under the flood alone: {100 * (ServerProcess.CpuSeconds(listener.Pid) - cpuBefore) / 5:F0} % of a core");
            for (int i = 0; i < joins; i++)
            {
                await using KcpSession client = await KcpClient.ConnectAsync(server, options);
                var clock = Stopwatch.StartNew();
                try
                {
                    await EchoOnceAsync(client, 64, TimeSpan.FromSeconds(10));
                    joinTimes.Add(clock.Elapsed.TotalMilliseconds);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException)
                {
                    joinTimes.Add(double.PositiveInfinity);
                }

                Console.Error.WriteLine($"admission: {name} join {i + 1} under the flood: {joinTimes[^1]:F0} ms");
                client.Abort();
                await Task.Delay(200);
            }

            (long sent, double seconds) = flood.Stop();
            Console.Error.WriteLine($"admission: {name} flood {sent / seconds:F0} datagrams/s; established {before:F0} → {during:F0} MB/s");
        }

        return (joinTimes, before, during);
    }

    private static async Task EchoOnceAsync(KcpSession client, int size, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await client.Output.WriteAsync(new byte[size], cancel.Token);
        for (long read = 0; read < size;)
        {
            ReadResult result = await client.Input.ReadAsync(cancel.Token);
            read += result.Buffer.Length;
            client.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && read < size)
            {
                throw new IOException("closed before the echo");
            }
        }
    }

    private static async Task<double> RateAsync(KcpSession session, long bytes, int rounds)
    {
        var rates = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await FloodRetention.EchoAsync(session, bytes);
                rates.Add(bytes / clock.Elapsed.TotalSeconds / 1e6);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                rates.Add(0);   // no echo within two minutes (or the session died): nothing got through
                break;
            }
        }

        return Median(rates);
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        List<double> sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }

    /// <summary>A listener process in echo mode, killed on disposal.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Process? _process;
        private readonly KcpListener? _listener;

        private Server(Process? process, KcpListener? listener, IPEndPoint endPoint)
        {
            _process = process;
            _listener = listener;
            EndPoint = endPoint;
        }

        public IPEndPoint EndPoint { get; }

        /// <summary>The listener's process (0 in process).</summary>
        public int Pid => _process?.Id ?? 0;

        public static async Task<Server> StartAsync(string[] command)
        {
            if (command is ["in-process"])
            {
                return await InProcessAsync();
            }

            Process process = ListenerCommand.Start(command, "--mode", "echo", "--timeout", "600");
            IPEndPoint endPoint = await ListenerCommand.ListeningAddressAsync(process);
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            await Task.Delay(500);   // past start-up: this measures admission, not JIT (see firstack)
            return new Server(process, null, endPoint);
        }

        public async ValueTask DisposeAsync()
        {
            if (_listener is { } listener)
            {
                KcpMetricsSnapshot m = listener.GetMetricsSnapshot();
                Kcp.Transport.Diagnostics.KcpCounters c = listener.Counters;
                Console.Error.WriteLine($"admission: in-process listener: opened {m.PassiveOpens}, rate limited {c.Dropped(Kcp.Transport.Diagnostics.PacketDropReason.RateLimited)}, " +
                    $"unvalidated limit {c.Dropped(Kcp.Transport.Diagnostics.PacketDropReason.UnvalidatedLimit)}, backlog full {c.Dropped(Kcp.Transport.Diagnostics.PacketDropReason.BacklogFull)}, " +
                    $"evicted {m.EvictedSessions}, retried {m.RetriedAdmissions}, tightened {m.AdmissionTightened}, dropped {m.DroppedDatagrams}");
                await listener.DisposeAsync();
                return;
            }

            _process!.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        /// <summary>"--impl NAME=in-process": our listener in this process (kcpcat's defaults, echo), its counters printed at the end.</summary>
        private static async Task<Server> InProcessAsync()
        {
            var listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), new KcpOptions().ApplyPreset(KcpPreset.Fast));
            _ = Task.Run(async () =>
            {
                while (await listener.AcceptAsync() is { } session)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await session.Input.CopyToAsync(session.Output);
                        }
                        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
                        {
                        }
                    });
                }
            });
            await Task.Delay(500);
            return new Server(null, listener, listener.LocalEndPoint);
        }
    }

    /// <summary>
    /// PUSH segments (sn 0, 100 bytes) of a new random conversation each, each from a new source: 127.0.0.2–254 (the /24
    /// of a client on 127.0.0.1) and a random port, written by a raw socket (Linux, root), paced to a rate by one
    /// thread: a source-spoofing flood as loopback can carry one.
    /// </summary>
    private sealed class SpoofedFlood : IDisposable
    {
        private readonly SpoofedUdpSender _sender = new();
        private readonly IPEndPoint _target;
        private readonly int _pps;
        private readonly Thread _thread;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private volatile bool _stopped;
        private long _sent;

        public SpoofedFlood(IPEndPoint target, int pps)
        {
            _target = target;
            _pps = pps;
            _thread = new Thread(Send) { IsBackground = true, Name = "spoofed flood" };
            _thread.Start();
        }

        public (long Sent, double Seconds) Stop()
        {
            _stopped = true;
            _thread.Join();
            return (Interlocked.Read(ref _sent), _clock.Elapsed.TotalSeconds);
        }

        public void Dispose()
        {
            if (!_stopped)
            {
                Stop();
            }

            _sender.Dispose();
        }

        private void Send()
        {
            byte[] push = new byte[24 + 100];
            push[4] = 81;
            BinaryPrimitives.WriteUInt16LittleEndian(push.AsSpan(6), 128);
            BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan(20), 100);
            var random = new Random(30);
            var source = new IPEndPoint(IPAddress.Loopback, 0);
            byte[] host = [127, 0, 0, 2];
            while (!_stopped)
            {
                long due = (long)(_clock.Elapsed.TotalSeconds * _pps);
                while (_sent < due && !_stopped)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(push, (uint)random.Next());
                    BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan(8), (uint)random.Next());
                    host[3] = (byte)random.Next(2, 255);
                    source.Address = new IPAddress(host);
                    source.Port = random.Next(1024, 65536);
                    _sender.Send(push, source, _target);
                    Interlocked.Increment(ref _sent);
                }

                Thread.Sleep(1);
            }
        }
    }
}
