using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpRttEstimatorTests
{
    [Fact]
    public void AddSample_First_SetsSrttAndHalfVariance()
    {
        var rtt = new KcpRttEstimator();

        rtt.AddSample(100, 100);

        Assert.Equal(100, rtt.SmoothedRtt);
        Assert.Equal(50, rtt.Variance);
        Assert.Equal(300u, rtt.Rto); // 100 + max(100, 4 * 50)
    }

    [Fact]
    public void AddSample_LowerSample_UsesArithmeticShiftOnNegativeDelta()
    {
        var rtt = new KcpRttEstimator();
        rtt.AddSample(100, 100);

        rtt.AddSample(60, 100);

        // delta -40: srtt += -40 >> 3 = -5; rttvar += (40 - 50) >> 2 = -3 (floor, not truncation).
        Assert.Equal(95, rtt.SmoothedRtt);
        Assert.Equal(47, rtt.Variance);
        Assert.Equal(283u, rtt.Rto);
    }

    [Fact]
    public void AddSample_FarBelowRange_GetsReducedVarianceWeight()
    {
        var rtt = new KcpRttEstimator();
        rtt.AddSample(100, 100);

        rtt.AddSample(10, 100);

        // srtt = 100 + floor(-90 / 8) = 88; 10 < 88 - 50, so rttvar += (90 - 50) >> 5 = 1.
        Assert.Equal(88, rtt.SmoothedRtt);
        Assert.Equal(51, rtt.Variance);
        Assert.Equal(292u, rtt.Rto);
    }

    [Fact]
    public void AddSample_SmallRttWithNoDelay_ClampsToMinRto()
    {
        var rtt = new KcpRttEstimator { MinRto = KcpConstants.RtoNoDelayMin };

        rtt.AddSample(1, 10);

        Assert.Equal(30u, rtt.Rto);
    }

    [Fact]
    public void AddSample_HugeRtt_ClampsToMaxRto()
    {
        var rtt = new KcpRttEstimator();

        rtt.AddSample(50_000, 100);

        Assert.Equal(60_000u, rtt.Rto);
    }

    [Fact]
    public void AddSample_IntervalAboveVarianceTerm_IsTheFloor()
    {
        var rtt = new KcpRttEstimator();

        rtt.AddSample(20, 1000);

        Assert.Equal(1020u, rtt.Rto); // 20 + max(1000, 40)
    }
}
