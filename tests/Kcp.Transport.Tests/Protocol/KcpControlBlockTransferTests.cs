using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>End-to-end reliability of two engines over impaired simulated links: every byte once, in order.</summary>
public sealed class KcpControlBlockTransferTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    private const int OneMegabyte = 1 << 20;

    // Generous hang guard in *virtual* milliseconds; runs take far less real time.
    private const long MaxVirtualMs = 50_000_000;

    public static TheoryData<string, bool> Scenarios()
    {
        var data = new TheoryData<string, bool>();
        foreach (string name in new[] { "lossless", "loss10", "loss30", "burst", "reorder", "duplicate", "everything" })
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    private static SimulatedLinkOptions Options(string name) => name switch
    {
        "lossless" => new SimulatedLinkOptions { Seed = 11 },
        "loss10" => new SimulatedLinkOptions { Seed = 12, LossRate = 0.10 },
        "loss30" => new SimulatedLinkOptions { Seed = 13, LossRate = 0.30 },
        "burst" => new SimulatedLinkOptions { Seed = 14, BurstEnterRate = 0.05, BurstExitRate = 0.25, BurstLossRate = 0.9 },
        "reorder" => new SimulatedLinkOptions { Seed = 15, ReorderRate = 0.2, ReorderDelayMs = 30, JitterMs = 8 },
        "duplicate" => new SimulatedLinkOptions { Seed = 16, DuplicateRate = 0.25, JitterMs = 3 },
        "everything" => new SimulatedLinkOptions
        {
            Seed = 17, LossRate = 0.05, BurstEnterRate = 0.02, ReorderRate = 0.1, DuplicateRate = 0.1, JitterMs = 10,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Transfer_OneMegabyteOverImpairedLink_DeliversEveryByteOnceInOrder(string scenario, bool messageMode)
    {
        using var link = new SimulatedLink(Options(scenario));
        link.A.SetNoDelay(1, 10, 2, 1);
        link.B.SetNoDelay(1, 10, 2, 1);
        link.A.SetWindowSize(128, 128);
        link.B.SetWindowSize(128, 128);
        var driver = new TransferDriver(link, OneMegabyte, messageMode, maxMessage: 8000, seed: 99);

        driver.RunToCompletion(MaxVirtualMs);

        Assert.Equal(OneMegabyte, driver.ReceivedBytes);
        Assert.Equal(-1, link.B.PeekSize());
        _output.WriteLine(
            $"{scenario}/{(messageMode ? "message" : "stream")}: {link.ElapsedMs} virtual ms, A sent {link.AToB.Sent} " +
            $"datagrams ({link.AToB.Dropped} dropped), retrans {link.A.Counters.RetransSegs}, B repeats {link.B.Counters.RepeatSegs}");
        if (link.Options.LossRate > 0 || link.Options.BurstEnterRate > 0)
        {
            Assert.True(link.AToB.Dropped > 0);
            Assert.True(link.A.Counters.RetransSegs > 0, "lost datagrams must have been retransmitted");
        }

        if (link.Options.DuplicateRate > 0)
        {
            Assert.True(link.B.Counters.RepeatSegs > 0, "duplicated datagrams must be recognised as repeats");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transfer_DefaultSettingsWithCongestionControlAndLoss_DeliversEverything(bool messageMode)
    {
        // kcp-go defaults: nodelay 0, interval 100, no fast resend, congestion control on, windows 32.
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 21, LossRate = 0.1, JitterMs = 5 });
        var driver = new TransferDriver(link, 256 * 1024, messageMode, maxMessage: 4000, seed: 5);

        driver.RunToCompletion(MaxVirtualMs);

        Assert.True(driver.Completed);
        Assert.True(link.A.Counters.LostSegs + link.A.Counters.EarlyRetransSegs > 0, "10% loss must cause retransmissions");
    }

    [Fact]
    public void Transfer_AckNoDelay_DeliversEverything()
    {
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 31, LossRate = 0.1 }) { AckNoDelay = true };
        link.A.SetNoDelay(1, 20, 2, 1);
        link.B.SetNoDelay(1, 20, 2, 1);
        var driver = new TransferDriver(link, 200_000, messageMode: false, maxMessage: 3000, seed: 6);

        driver.RunToCompletion(MaxVirtualMs);

        Assert.True(driver.Completed);
    }

    [Fact]
    public void Transfer_ClockAndSequenceNumbersStartNearWrap_DeliversEverything()
    {
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 41, LossRate = 0.1, StartTime = uint.MaxValue - 3000 });
        link.A.SetInitialSequenceNumber(uint.MaxValue - 200);
        link.B.SetInitialSequenceNumber(uint.MaxValue - 200);
        link.A.SetNoDelay(1, 10, 2, 0);
        link.B.SetNoDelay(1, 10, 2, 0);
        var driver = new TransferDriver(link, 600_000, messageMode: true, maxMessage: 5000, seed: 7);

        driver.RunToCompletion(MaxVirtualMs);

        Assert.True(driver.Completed);
        Assert.True(link.Now < 1_000_000, "the virtual clock must have wrapped past 2^32");
        Assert.True(link.A.RetransmissionTimeout is >= 30 and < 60000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transfer_ReaderPausedUntilWindowCloses_ResumesAfterDrain(bool messageMode)
    {
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 51 });
        link.A.SetNoDelay(1, 10, 2, 1);
        link.B.SetNoDelay(1, 10, 2, 1);
        link.B.SetWindowSize(32, 8);
        var driver = new TransferDriver(link, 100_000, messageMode, maxMessage: 2000, seed: 8) { ReaderEnabled = false };

        for (int i = 0; i < 3000; i++)
        {
            driver.Step();
        }

        Assert.Equal(0, link.A.RemoteWindow);
        Assert.Equal(8, link.B.ReceiveQueueCount);
        Assert.True(link.AToB.WindowAsks > 0, "a zero window must be probed");
        Assert.True(link.BToA.WindowTells > 0, "a probe must be answered with WINS");
        long tellsBeforeDrain = link.BToA.WindowTells;

        driver.ReaderEnabled = true;
        driver.RunToCompletion(MaxVirtualMs);

        Assert.True(driver.Completed);
        Assert.True(link.BToA.WindowTells > tellsBeforeDrain, "draining a full queue must advertise the window (fast recover)");
    }
}
