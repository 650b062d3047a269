using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Kcp.Transport;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// HTTP over KCP against HTTP over TCP on one Kestrel app (<see cref="HttpComparisonServer"/>): each
/// <see cref="HttpWorkload"/> runs for --seconds against every transport in turn, the order rotating from round to
/// round so that the machine's other load falls on all of them alike; the table gives the median of --rounds, the
/// ratio to TCP and the process's CPU time (client and server together) per 1,000 operations or per GB.
/// KCP runs kcptun's settings (fast3, windows 1024, MTU 1350), plain and with aes-128-gcm + FEC 10/3.
/// Usage: http [--seconds 3] [--rounds 3] [--warmup-seconds 1] [--only TEXT] [--no-protected] [--json FILE]
/// Prints a Markdown table on stdout; exits 1 when an operation failed.
/// </summary>
internal static class HttpComparison
{
    public static async Task<int> RunAsync(string[] args)
    {
        double seconds = 3, warmup = 1;
        int rounds = 3;
        string? only = null, json = null;
        bool protectedRow = true;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--warmup-seconds": warmup = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--only": only = Value(); break;
                case "--json": json = Value(); break;
                case "--no-protected": protectedRow = false; break;
                default: Console.Error.WriteLine($"unknown flag {args[i]}"); return 2;
            }
        }

        var profiles = new List<(string, KcpOptions?)> { ("TCP", null), ("KCP fast3", Kcptun()) };
        if (protectedRow)
        {
            KcpOptions gcm = Kcptun();
            (gcm.Crypt, gcm.Key, gcm.DataShards, gcm.ParityShards) = ("aes-128-gcm", "http over kcp", 10, 3);
            profiles.Add(("KCP fast3 aes-128-gcm + FEC 10/3", gcm));
        }

        await using HttpComparisonServer server = await HttpComparisonServer.StartAsync(profiles);
        IReadOnlyList<HttpComparisonTarget> targets = server.Targets();
        var rows = new List<Row>();
        bool failed = false;
        foreach (HttpWorkload workload in HttpWorkload.All.Where(w => only is null || w.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            var clients = targets.Select(t => workload.Open(t)).ToArray();
            try
            {
                var samples = targets.Select(_ => new List<Sample>()).ToArray();
                for (int t = 0; t < targets.Count; t++)
                {
                    Sample warm = await MeasureAsync(clients[t], workload.Concurrency, warmup);
                    Report(workload, targets[t], "warm-up", warm);
                }

                for (int round = 0; round < rounds; round++)
                {
                    for (int k = 0; k < targets.Count; k++)
                    {
                        // Rotates which transport goes first, so a burst of outside load does not always hit the same one.
                        int t = (k + round + 1) % targets.Count;
                        Sample sample = await MeasureAsync(clients[t], workload.Concurrency, seconds);
                        Report(workload, targets[t], $"round {round + 1}", sample);
                        samples[t].Add(sample);
                    }
                }

                Summary tcp = Summarise(workload, samples[0]);
                for (int t = 0; t < targets.Count; t++)
                {
                    Summary summary = Summarise(workload, samples[t]);
                    failed |= summary.Failures > 0;
                    rows.Add(new Row(workload, targets[t].Name, summary, tcp));
                }
            }
            finally
            {
                foreach (HttpWorkloadClient client in clients)
                {
                    client.Dispose();
                }
            }
        }

        PrintTable(rows, seconds, rounds);
        if (json is not null)
        {
            await File.WriteAllLinesAsync(json, rows.Select(r => r.ToJson()));
        }

        return failed ? 1 : 0;
    }

    /// <summary>kcptun's settings: fast3, windows of 1,024 segments, MTU 1,350.</summary>
    private static KcpOptions Kcptun()
    {
        var options = new KcpOptions().ApplyPreset(KcpPreset.Fast3);
        (options.SendWindow, options.ReceiveWindow, options.Mtu) = (1024, 1024, 1350);
        return options;
    }

    private static async Task<Sample> MeasureAsync(HttpWorkloadClient client, int concurrency, double seconds)
    {
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(seconds * Stopwatch.Frequency);
        long operations = 0, bytes = 0;
        string? error = null;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            byte[] scratch = new byte[64 * 1024];
            long ownOperations = 0, ownBytes = 0;
            try
            {
                while (Stopwatch.GetTimestamp() < end)
                {
                    ownBytes += await client.RunOnce(scratch).ConfigureAwait(false);
                    ownOperations++;
                }
            }
            catch (Exception e) when (e is HttpRequestException or RpcException or IOException or InvalidOperationException or TaskCanceledException)
            {
                error = $"{e.GetType().Name}: {e.Message}";
            }

            Interlocked.Add(ref operations, ownOperations);
            Interlocked.Add(ref bytes, ownBytes);
        }));
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Sample(operations, bytes, elapsed, (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds, error);
    }

    private static void Report(HttpWorkload workload, HttpComparisonTarget target, string what, Sample sample)
        => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"http: {workload.Name} | {target.Name} | {what}: {sample.Operations / sample.Seconds:F0} op/s, {sample.Bytes / sample.Seconds / 1e6:F1} MB/s, CPU {sample.CpuSeconds:F2} s{(sample.Error is null ? "" : " | " + sample.Error)}"));

    private static Summary Summarise(HttpWorkload workload, List<Sample> samples)
    {
        List<Sample> good = samples.Where(s => s.Error is null && s.Operations > 0).ToList();
        if (good.Count == 0)
        {
            return new Summary(double.NaN, double.NaN, double.NaN, double.NaN, samples.Count);
        }

        // Rate: operations/s, or MB/s (10^6 bytes) of response payload for bulk rows. CPU: s per 1,000 operations or per GB.
        double[] rates = good.Select(s => workload.Bulk ? s.Bytes / s.Seconds / 1e6 : s.Operations / s.Seconds).Order().ToArray();
        double[] cpu = good.Select(s => workload.Bulk ? s.CpuSeconds / (s.Bytes / 1e9) : s.CpuSeconds / (s.Operations / 1e3)).Order().ToArray();
        return new Summary(rates[rates.Length / 2], rates[0], rates[^1], cpu[cpu.Length / 2], samples.Count - good.Count);
    }

    private static void PrintTable(List<Row> rows, double seconds, int rounds)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Kestrel over loopback, one process; median of {rounds} rounds of {seconds} s, transports alternated; CPU = the whole process (client + server) per 1,000 operations or per GB."));
        Console.WriteLine();
        Console.WriteLine("| workload | transport | median | min–max | ÷ TCP | CPU | CPU ÷ TCP |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (Row row in rows)
        {
            Console.WriteLine(row.ToMarkdown());
        }
    }

    private sealed record Sample(long Operations, long Bytes, double Seconds, double CpuSeconds, string? Error);

    private sealed record Summary(double Median, double Min, double Max, double CpuPerUnit, int Failures);

    private sealed record Row(HttpWorkload Workload, string Transport, Summary Result, Summary Tcp)
    {
        private string Unit => Workload.Bulk ? "MB/s" : Workload.Name.StartsWith("gRPC", StringComparison.Ordinal) ? "calls/s" : "req/s";

        private string CpuUnit => Workload.Bulk ? "s/GB" : "s/1k";

        public string ToMarkdown()
        {
            string failures = Result.Failures > 0 ? $" ({Result.Failures} failed)" : "";
            return string.Create(CultureInfo.InvariantCulture,
                $"| {Workload.Name} | {Transport} | {Format(Result.Median)} {Unit}{failures} | {Format(Result.Min)}–{Format(Result.Max)} | {Result.Median / Tcp.Median:F2}× | {Result.CpuPerUnit:F3} {CpuUnit} | {Result.CpuPerUnit / Tcp.CpuPerUnit:F2}× |");
        }

        public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["workload"] = Workload.Name,
            ["transport"] = Transport,
            ["unit"] = Unit,
            ["median"] = Result.Median,
            ["min"] = Result.Min,
            ["max"] = Result.Max,
            ["ratio_tcp"] = Result.Median / Tcp.Median,
            ["cpu_per_unit"] = Result.CpuPerUnit,
            ["cpu_unit"] = CpuUnit,
            ["failed_rounds"] = Result.Failures,
        });

        private static string Format(double value)
            => double.IsNaN(value) ? "–" : value.ToString(value >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);
    }
}
