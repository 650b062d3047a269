using System.Globalization;

namespace Kcp.LinkEmulator.Matrix;

/// <summary>
/// The matrix: every RTT × loss cell, every workload, every transport setting. The defaults (4 settings, 4 workloads,
/// 6 s each) finish in about 25 minutes on 2 cores; trim or widen with --rtts/--losses/--configs/--workloads/--seconds
/// (every preset for SignalR alone: --configs tcp,normal,fast,fast2,fast3,fast3+fec,fast3+fec2.1 --workloads signalr).
/// </summary>
internal sealed record MatrixOptions
{
    public string Out { get; init; } = "artifacts/loss";

    public IReadOnlyList<double> Rtts { get; init; } = [40, 200];

    public IReadOnlyList<double> Losses { get; init; } = [0, 1, 5, 10];

    /// <summary>Mean loss burst in packets (Gilbert–Elliott); 1 is uniform loss.</summary>
    public double Burst { get; init; } = 3;

    public double JitterMs { get; init; }

    /// <summary>Share of packets held back 10 ms and overtaken by later ones.</summary>
    public double ReorderPct { get; init; }

    public double BandwidthMbit { get; init; } = 20;

    public IReadOnlyList<string> Configs { get; init; } = ["tcp", "normal", "fast3", "fast3+fec"];

    public IReadOnlyList<string> Workloads { get; init; } = ["signalr", "grpc", "http", "download"];

    public double Seconds { get; init; } = 6;

    public int Clients { get; init; } = 50;

    public double DownloadMib { get; init; } = 16;

    public double DownloadTimeout { get; init; } = 30;

    public int Seed { get; init; } = 1;

    public string Name { get; init; } = "kcpm";

    /// <summary>TCP congestion control in both namespaces (a non-root namespace may pick only what the root namespace's tcp_allowed_congestion_control lists: here reno and bbr); null keeps the kernel's default.</summary>
    public string? TcpCongestion { get; init; }

    public static MatrixOptions Parse(string[] args)
    {
        var options = new MatrixOptions();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            options = args[i] switch
            {
                "--out" => options with { Out = value },
                "--rtts" => options with { Rtts = Numbers(value) },
                "--losses" => options with { Losses = Numbers(value) },
                "--burst" => options with { Burst = Number(value) },
                "--jitter-ms" => options with { JitterMs = Number(value) },
                "--reorder-pct" => options with { ReorderPct = Number(value) },
                "--bandwidth-mbit" => options with { BandwidthMbit = Number(value) },
                "--configs" => options with { Configs = value.Split(',') },
                "--workloads" => options with { Workloads = value.Split(',') },
                "--seconds" => options with { Seconds = Number(value) },
                "--clients" => options with { Clients = (int)Number(value) },
                "--download-mib" => options with { DownloadMib = Number(value) },
                "--download-timeout" => options with { DownloadTimeout = Number(value) },
                "--seed" => options with { Seed = (int)Number(value) },
                "--name" => options with { Name = value },
                "--tcp-cc" => options with { TcpCongestion = value },
                _ => throw new ArgumentException($"Unknown matrix option {args[i]}."),
            };
        }

        return options;
    }

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    private static double[] Numbers(string value) => [.. value.Split(',').Select(Number)];
}
