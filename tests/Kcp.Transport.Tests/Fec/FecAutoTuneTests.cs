using Kcp.Transport.Fec;

namespace Kcp.Transport.Tests.Fec;

public sealed class FecAutoTuneTests
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(3, 2)]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    [InlineData(255, 1)]
    public void TryFindShardCounts_ConsecutiveGroups_FindsPeerCounts(int ds, int ps)
    {
        var tune = new FecAutoTune();
        int n = ds + ps;
        for (uint seq = 100u * (uint)n; seq < (100u * (uint)n) + (uint)(2 * n) + 1; seq++)
        {
            tune.Sample(seq % (uint)n < ds, seq);
        }

        Assert.True(tune.TryFindShardCounts(out int foundData, out int foundParity));
        Assert.Equal((ds, ps), (foundData, foundParity));
    }

    [Fact]
    public void TryFindShardCounts_GapInNewestStretch_FindsNothing()
    {
        var tune = new FecAutoTune();
        for (uint seq = 0; seq < 40; seq++)
        {
            if (seq != 35)
            {
                tune.Sample(seq % 5 < 3, seq);
            }
        }

        // Only 36..39 are consecutive: a parity run (38, 39) has no older edge inside the stretch.
        Assert.False(tune.TryFindShardCounts(out _, out _));

        for (uint seq = 40; seq < 46; seq++)
        {
            tune.Sample(seq % 5 < 3, seq);
        }

        Assert.True(tune.TryFindShardCounts(out int ds, out int ps));
        Assert.Equal((3, 2), (ds, ps));
    }

    [Fact]
    public void FindPeriod_OnlyDataSamples_ReturnsMinusOne()
    {
        var tune = new FecAutoTune();
        for (uint seq = 0; seq < 300; seq++)
        {
            tune.Sample(true, seq);
        }

        Assert.Equal(-1, tune.FindPeriod(true));
        Assert.Equal(-1, tune.FindPeriod(false));
    }

    [Fact]
    public void FindPeriod_NoSamples_ReturnsMinusOne() => Assert.Equal(-1, new FecAutoTune().FindPeriod(true));
}
