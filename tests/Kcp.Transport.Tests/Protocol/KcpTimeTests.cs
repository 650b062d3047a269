using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpTimeTests
{
    [Theory]
    [InlineData(10u, 5u, 5)]
    [InlineData(5u, 10u, -5)]
    [InlineData(3u, 0xFFFFFFFEu, 5)]
    [InlineData(0xFFFFFFFEu, 3u, -5)]
    public void Diff_AcrossWrap_IsSigned(uint later, uint earlier, int expected)
        => Assert.Equal(expected, KcpTime.Diff(later, earlier));
}
