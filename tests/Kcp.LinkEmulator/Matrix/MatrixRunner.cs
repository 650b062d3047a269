using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kcp.LinkEmulator.Link;
using Kcp.LinkEmulator.Workloads;

namespace Kcp.LinkEmulator.Matrix;

/// <summary>
/// The `matrix` command: one link, the server in namespace B for the whole run, and for each cell (RTT × loss) the
/// link's settings changed in place and one client process per workload × transport setting in namespace A. Writes
/// results.csv (bytes on the wire and bottleneck-queue drops from the forwarder's counters) and the raw samples under --out. Ctrl-C or SIGTERM
/// stops it; every process it started is killed and the namespaces are deleted either way.
/// </summary>
internal static class MatrixRunner
{
    private const string Header = "rtt_ms,loss_pct,burst,workload,config,samples,p50_ms,p99_ms,p999_ms,max_ms,lost,payload_bytes,seconds,throughput_mbit,completed,wire_bytes,wire_packets,link_loss_pct,samples_file,jitter_ms,reorder_pct,queue_drops";

    public static async Task<int> RunAsync(string[] args)
    {
        MatrixOptions options = MatrixOptions.Parse(args);
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        Directory.CreateDirectory(Path.Combine(options.Out, "samples"));
        string csvPath = Path.Combine(options.Out, "results.csv");
        bool fresh = !File.Exists(csvPath);
        await using var csv = new StreamWriter(csvPath, append: true);
        if (fresh)
        {
            await csv.WriteLineAsync(Header);
        }

        using var link = LossyLink.Create(options.Name, Settings(options, options.Rtts[0], options.Losses[0]));
        if (options.TcpCongestion is { } congestion)
        {
            link.SetSysctl("net.ipv4.tcp_congestion_control", congestion);
        }

        Console.WriteLine($"TCP congestion control: {File.ReadAllText("/proc/sys/net/ipv4/tcp_congestion_control").Trim()} (root namespace), {options.TcpCongestion ?? "the same"} in the link's");
        using var server = ChildProcess.StartSelf(link.NamespaceB, ["server", "--address", LossyLink.AddressB.ToString()]);
        await server.WaitForLineAsync("ready", TimeSpan.FromSeconds(60), stop.Token);
        var total = Stopwatch.StartNew();
        try
        {
            foreach (double rtt in options.Rtts)
            {
                foreach (double loss in options.Losses)
                {
                    link.Settings = Settings(options, rtt, loss);
                    Console.WriteLine($"== {link.Settings}");
                    foreach (string workload in options.Workloads)
                    {
                        foreach (string config in options.Configs)
                        {
                            stop.Token.ThrowIfCancellationRequested();
                            string row = await RunOneAsync(options, link, rtt, loss, workload, config, stop.Token);
                            await csv.WriteLineAsync(row);
                            await csv.FlushAsync(stop.Token);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped");
            return 130;
        }

        Console.WriteLine($"done in {total.Elapsed.TotalMinutes:0.0} min: {csvPath}");
        return 0;
    }

    private static LinkSettings Settings(MatrixOptions options, double rtt, double loss) => new()
    {
        Rtt = TimeSpan.FromMilliseconds(rtt),
        Jitter = TimeSpan.FromMilliseconds(options.JitterMs),
        Reorder = options.ReorderPct / 100,
        Loss = loss / 100,
        BurstLength = options.Burst,
        BandwidthBitsPerSecond = (long)(options.BandwidthMbit * 1_000_000),
        Seed = options.Seed,
    };

    private static async Task<string> RunOneAsync(
        MatrixOptions options, LossyLink link, double rtt, double loss, string workload, string config, CancellationToken cancellation)
    {
        string cell = string.Create(CultureInfo.InvariantCulture, $"rtt{rtt}-loss{loss}-{workload}-{config}");
        string samples = Path.Combine(options.Out, "samples", cell + ".txt");
        string[] args =
        [
            "client", "--workload", workload, "--config", config, "--server", LossyLink.AddressB.ToString(),
            "--seconds", Format(options.Seconds), "--clients", options.Clients.ToString(CultureInfo.InvariantCulture),
            "--bytes", Format(Math.Round(options.DownloadMib * (1 << 20))), "--timeout", Format(options.DownloadTimeout),
            "--samples", Path.GetFullPath(samples),
        ];

        // A fresh seed position per run: the same run sees the same loss pattern whatever ran before it.
        link.Settings = link.Settings with { };
        LinkCountersSnapshot before = link.Snapshot();
        WorkloadResult result;
        try
        {
            using var client = ChildProcess.StartSelf(link.NamespaceA, args);
            string line = await client.WaitForLastLineAsync(TimeSpan.FromSeconds(options.Seconds + options.DownloadTimeout + 90), cancellation);
            result = JsonSerializer.Deserialize<WorkloadResult>(line, WorkloadClient.Json)!;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or JsonException)
        {
            result = new WorkloadResult { Completed = false, Note = e.Message.Split('\n')[0] };
        }

        LinkCountersSnapshot wire = link.Snapshot() - before;
        double mbit = result.Seconds > 0 ? result.PayloadBytes * 8 / result.Seconds / 1e6 : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{cell,-40} n={result.Samples,6} p50={result.P50,8:0.0} p99={result.P99,8:0.0} max={result.Max,8:0.0} lost={result.Lost} {mbit:0.00} Mbit/s wire={wire.BytesOut / 1024.0:0} KiB link-loss={wire.LossRate * 100:0.0}% queue-drops={wire.QueueDropped} {result.Note}"));
        return string.Join(',', Format(rtt), Format(loss), Format(options.Burst), workload, config,
            result.Samples.ToString(CultureInfo.InvariantCulture), Format(result.P50), Format(result.P99), Format(result.P999), Format(result.Max),
            result.Lost.ToString(CultureInfo.InvariantCulture), result.PayloadBytes.ToString(CultureInfo.InvariantCulture), Format(result.Seconds),
            Format(mbit), result.Completed ? "1" : "0", wire.BytesOut.ToString(CultureInfo.InvariantCulture),
            wire.PacketsOut.ToString(CultureInfo.InvariantCulture), Format(wire.LossRate * 100), Path.GetFileName(samples),
            Format(options.JitterMs), Format(options.ReorderPct), wire.QueueDropped.ToString(CultureInfo.InvariantCulture));
    }

    private static string Format(double value) => double.IsNaN(value) ? string.Empty : value.ToString("0.###", CultureInfo.InvariantCulture);
}
