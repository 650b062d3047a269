namespace Kcp.Transport.Tests.Support;

/// <summary>
/// What an integrity case means in relay faults, C# options and kcp-go peer flags, shared by the C#↔C# and the
/// C#↔kcp-go tests so that both run the same matrix.
/// </summary>
internal static class IntegritySettings
{
    /// <summary>
    /// Windows large enough that a segment waiting for its second or third retransmission at 30 % loss does not stall the
    /// sender: with 512 segments a 64 MB transfer took about 3× longer at 30 % loss.
    /// </summary>
    private const int LossTunedWindow = 2048;

    /// <summary>
    /// The loss-tuned matrix: {0, 5, 15, 30 % loss} × {FEC off, 10/3} on the lossy link, then heavy reordering and heavy
    /// duplication without loss.
    /// </summary>
    public static TheoryData<IntegrityLink, int, bool, IntegrityProfile> Matrix()
    {
        var data = new TheoryData<IntegrityLink, int, bool, IntegrityProfile>();
        foreach (int loss in new[] { 0, 5, 15, 30 })
        {
            foreach (bool fec in new[] { false, true })
            {
                data.Add(IntegrityLink.Lossy, loss, fec, IntegrityProfile.LossTuned);
            }
        }

        data.Add(IntegrityLink.Reordering, 0, false, IntegrityProfile.LossTuned);
        data.Add(IntegrityLink.Duplicating, 0, false, IntegrityProfile.LossTuned);
        return data;
    }

    /// <summary>The interop cases, each direction: the loss-tuned matrix plus both libraries' defaults on a loss-free link.</summary>
    public static TheoryData<IntegrityLink, int, bool, IntegrityProfile> InteropCases()
    {
        TheoryData<IntegrityLink, int, bool, IntegrityProfile> data = Matrix();
        data.Add(IntegrityLink.Lossy, 0, false, IntegrityProfile.Defaults);
        return data;
    }

    public static RelayFaults Faults(IntegrityLink link, int lossPercent) => link switch
    {
        IntegrityLink.Lossy => new RelayFaults { Loss = lossPercent / 100.0, DelayMs = 1, JitterMs = 4, Duplicate = 0.01 },
        IntegrityLink.Reordering => new RelayFaults { Loss = lossPercent / 100.0, DelayMs = 2, JitterMs = 40 },
        IntegrityLink.Duplicating => new RelayFaults { Loss = lossPercent / 100.0, DelayMs = 1, Duplicate = 0.25 },
        _ => throw new ArgumentOutOfRangeException(nameof(link), link, null),
    };

    public static KcpOptions Options(IntegrityProfile profile, bool fec)
    {
        KcpOptions options = profile switch
        {
            IntegrityProfile.LossTuned => new KcpOptions { SendWindow = LossTunedWindow, ReceiveWindow = LossTunedWindow }.ApplyPreset(KcpPreset.Fast3),
            IntegrityProfile.Defaults => new KcpOptions(),
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, null),
        };
        (options.DataShards, options.ParityShards) = fec ? (10, 3) : (0, 0);
        return options;
    }

    /// <summary>The kcp-go peer's flags for the same settings as <see cref="Options"/>.</summary>
    public static string[] GoFlags(IntegrityProfile profile, bool fec)
    {
        string[] kcp = profile switch
        {
            IntegrityProfile.LossTuned => ["--mode-preset", "fast3", "--sndwnd", $"{LossTunedWindow}", "--rcvwnd", $"{LossTunedWindow}"],
            IntegrityProfile.Defaults => ["--mode-preset", "fast", "--sndwnd", "128", "--rcvwnd", "128"],
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, null),
        };
        return [.. kcp, "--datashard", fec ? "10" : "0", "--parityshard", fec ? "3" : "0"];
    }

    /// <summary>One line naming the case's link and settings, for the test output.</summary>
    public static string Describe(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
    {
        string faults = link switch
        {
            IntegrityLink.Lossy => $"loss {lossPercent} %, delay 1-5 ms, 1 % duplicates",
            IntegrityLink.Reordering => $"loss {lossPercent} %, delay 2-42 ms (reordering)",
            IntegrityLink.Duplicating => $"loss {lossPercent} %, 25 % duplicates",
            _ => link.ToString(),
        };
        string settings = profile switch
        {
            IntegrityProfile.LossTuned => $"fast3 (nodelay 1, interval 10, resend 2, nc 1), windows {LossTunedWindow}",
            _ => "defaults (nodelay 0, interval 30, resend 2, nc 1), windows 128",
        };
        return $"{faults}, FEC {(fec ? "10/3" : "off")}, {settings}";
    }
}
