using System.Globalization;

namespace Kcp.LinkEmulator.Link;

/// <summary>What the link does to every packet, each direction alike (each direction draws from its own seeded random).</summary>
internal sealed record LinkSettings
{
    /// <summary>Round-trip time the link adds: each direction delays by half of it.</summary>
    public TimeSpan Rtt { get; init; }

    /// <summary>Extra one-way delay drawn uniformly from [0, Jitter); packets keep their order unless reordered.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Mean packet loss rate, 0 to 1.</summary>
    public double Loss { get; init; }

    /// <summary>Mean length of a loss burst in packets: 1 is uniform (Bernoulli) loss, more is Gilbert–Elliott.</summary>
    public double BurstLength { get; init; } = 1;

    /// <summary>Probability that a packet is held back by <see cref="ReorderDelay"/> and overtaken by later ones.</summary>
    public double Reorder { get; init; }

    /// <summary>How long a reordered packet is held back.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Rate of each direction in bits per second; 0 is unlimited.</summary>
    public long BandwidthBitsPerSecond { get; init; }

    /// <summary>Bottleneck queue (drop tail) in bytes, used when the bandwidth is limited.</summary>
    public int QueueBytes { get; init; } = 256 * 1024;

    /// <summary>Seed of both directions' random sources: the same seed and the same packets give the same fate.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Reads <c>--rtt-ms --jitter-ms --loss-pct --burst --reorder-pct --bandwidth-mbit --queue-kib --seed</c>.</summary>
    public static LinkSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new LinkSettings();
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            double value = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            settings = args[i] switch
            {
                "--rtt-ms" => settings with { Rtt = TimeSpan.FromMilliseconds(value) },
                "--jitter-ms" => settings with { Jitter = TimeSpan.FromMilliseconds(value) },
                "--loss-pct" => settings with { Loss = value / 100 },
                "--burst" => settings with { BurstLength = value },
                "--reorder-pct" => settings with { Reorder = value / 100 },
                "--bandwidth-mbit" => settings with { BandwidthBitsPerSecond = (long)(value * 1_000_000) },
                "--queue-kib" => settings with { QueueBytes = (int)(value * 1024) },
                "--seed" => settings with { Seed = (int)value },
                _ => throw new ArgumentException($"Unknown link option {args[i]}."),
            };
        }

        return settings;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"rtt {Rtt.TotalMilliseconds} ms, jitter {Jitter.TotalMilliseconds} ms, loss {Loss * 100}% (burst {BurstLength}), reorder {Reorder * 100}%, {BandwidthBitsPerSecond / 1e6} Mbit/s, seed {Seed}");
}
