namespace Kcp.Transport.Tests.Protocol;

/// <summary>Impairments of one <see cref="SimulatedLink"/>, applied the same way in both directions.</summary>
internal sealed record SimulatedLinkOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>Independent loss probability per datagram (used while the Gilbert–Elliott chain is "good").</summary>
    public double LossRate { get; init; }

    /// <summary>Gilbert–Elliott: probability per datagram of entering the bad state (0 disables burst loss).</summary>
    public double BurstEnterRate { get; init; }

    /// <summary>Gilbert–Elliott: probability per datagram of leaving the bad state.</summary>
    public double BurstExitRate { get; init; } = 0.3;

    /// <summary>Gilbert–Elliott: loss probability while in the bad state.</summary>
    public double BurstLossRate { get; init; } = 0.9;

    /// <summary>Probability that a datagram is held back by <see cref="ReorderDelayMs"/> extra, letting later ones overtake.</summary>
    public double ReorderRate { get; init; }

    public int ReorderDelayMs { get; init; } = 25;

    /// <summary>Probability that a datagram is delivered twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>One-way base delay.</summary>
    public int DelayMs { get; init; } = 10;

    /// <summary>Uniform extra delay in [0, JitterMs].</summary>
    public int JitterMs { get; init; }

    /// <summary>First clock value handed to both engines (set near 2^32 to test wrap-around).</summary>
    public uint StartTime { get; init; }
}
