using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Protocol;

/// <summary>Steady-state traffic through the engine must not allocate per segment.</summary>
public sealed class KcpControlBlockAllocationTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _output = output;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transfer_SteadyStateAfterWarmUp_AllocatesConstantNotPerSegment(bool messageMode)
    {
        using var link = new SimulatedLink(new SimulatedLinkOptions { Seed = 61, LossRate = 0.05, JitterMs = 4, DuplicateRate = 0.02 });
        link.A.SetNoDelay(1, 10, 2, 1);
        link.B.SetNoDelay(1, 10, 2, 1);
        link.A.SetWindowSize(128, 128);
        link.B.SetWindowSize(128, 128);
        var driver = new TransferDriver(link, 64 << 20, messageMode, maxMessage: 6000, seed: 3);
        for (int i = 0; i < 6000; i++)
        {
            driver.Step();
        }

        long segmentsBefore = link.A.Counters.OutSegs + link.B.Counters.OutSegs;
        long bytesBefore = driver.ReceivedBytes;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 6000; i++)
        {
            driver.Step();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long segments = link.A.Counters.OutSegs + link.B.Counters.OutSegs - segmentsBefore;

        _output.WriteLine($"{allocated} bytes allocated over {segments} segments");
        Assert.False(driver.Completed, "the measured window must be inside the transfer");
        Assert.True(segments > 20_000, $"only {segments} segments in the measured window");
        Assert.True(driver.ReceivedBytes - bytesBefore > 10_000_000);

        // The only allowance: a rare new peak of segments in use (a loss burst filling rcv_buf) adds a pooled segment
        // and its buffer once. Anything per segment, even one small object, would be far above this (> 480 KB).
        Assert.True(allocated < 48 * 1024, $"{allocated} bytes allocated for {segments} segments");
    }
}
