using Kcp.LinkEmulator.Link;

namespace Kcp.LinkEmulator.Tests;

public sealed class LossModelTests
{
    [Theory]
    [InlineData(0.05, 1)]
    [InlineData(0.05, 3)]
    [InlineData(0.10, 3)]
    public void Drop_OverManyPackets_MatchesTheMeanLossAndBurstLength(double loss, double burst)
    {
        var model = new LossModel(loss, burst);
        var random = new Random(23);
        int dropped = 0;
        int bursts = 0;
        bool previous = false;
        const int Packets = 400_000;

        for (int i = 0; i < Packets; i++)
        {
            bool drop = model.Drop(random);
            dropped += drop ? 1 : 0;
            bursts += drop && !previous ? 1 : 0;
            previous = drop;
        }

        Assert.InRange((double)dropped / Packets, loss * 0.9, loss * 1.1);
        // A uniform draw also drops runs (mean 1/(1-loss)); Gilbert–Elliott's mean run is the burst length.
        double expectedRun = burst <= 1 ? 1 / (1 - loss) : burst;
        Assert.InRange((double)dropped / bursts, expectedRun * 0.9, expectedRun * 1.1);
    }

    [Fact]
    public void Drop_SameSeed_SameLossPattern()
    {
        static bool[] Pattern()
        {
            var model = new LossModel(0.1, 3);
            var random = new Random(7);
            return [.. Enumerable.Range(0, 1000).Select(_ => model.Drop(random))];
        }

        Assert.Equal(Pattern(), Pattern());
    }
}
