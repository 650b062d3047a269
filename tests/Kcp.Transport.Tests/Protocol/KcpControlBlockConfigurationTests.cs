using Kcp.Transport.Protocol;

namespace Kcp.Transport.Tests.Protocol;

public sealed class KcpControlBlockConfigurationTests
{
    private readonly CapturingSink _sink = new();

    [Fact]
    public void Constructor_Defaults_MatchKcpGo()
    {
        using var kcp = new KcpControlBlock(7, _sink);

        Assert.Equal(7u, kcp.Conv);
        Assert.Equal(1400, kcp.Mtu);
        Assert.Equal(1376, kcp.Mss);
        Assert.Equal(0, kcp.Reserved);
        Assert.Equal(100, kcp.Interval);
        Assert.Equal(32, kcp.SendWindow);
        Assert.Equal(32, kcp.ReceiveWindow);
        Assert.Equal(32, kcp.RemoteWindow);
        Assert.Equal(0, kcp.CongestionWindow);
        Assert.Equal(200, kcp.RetransmissionTimeout);
        Assert.Equal(20u, kcp.DeadLink);
        Assert.False(kcp.StreamMode);
        Assert.False(kcp.IsDeadLink);
    }

    [Theory]
    [InlineData(49)]
    [InlineData(1501)]
    [InlineData(0)]
    public void SetMtu_OutOfBounds_ReturnsFalseAndKeepsMtu(int mtu)
    {
        using var kcp = new KcpControlBlock(1, _sink);

        Assert.False(kcp.SetMtu(mtu));
        Assert.Equal(1400, kcp.Mtu);
    }

    [Fact]
    public void SetMtu_WithReservedHeadRoom_MssExcludesHeadRoom()
    {
        using var kcp = new KcpControlBlock(1, _sink);
        Assert.True(kcp.ReserveBytes(28));

        Assert.True(kcp.SetMtu(1350));

        Assert.Equal(1298, kcp.Mss); // kcptun default: aes + FEC 10/3, MTU 1350 (kcp-wire.md §1.4)
    }

    [Fact]
    public void SetMtu_LeavingNoDataByte_ReturnsFalse()
    {
        using var kcp = new KcpControlBlock(1, _sink);
        Assert.True(kcp.ReserveBytes(40));

        Assert.False(kcp.SetMtu(64)); // 64 - 24 - 40 = 0
        Assert.True(kcp.SetMtu(65));
        Assert.Equal(1, kcp.Mss);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1376)]
    public void ReserveBytes_NoRoomLeft_ReturnsFalse(int n)
    {
        using var kcp = new KcpControlBlock(1, _sink);

        Assert.False(kcp.ReserveBytes(n));
        Assert.Equal(0, kcp.Reserved);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(9999, 5000)]
    [InlineData(40, 40)]
    public void SetNoDelay_Interval_IsClamped(int interval, int expected)
    {
        using var kcp = new KcpControlBlock(1, _sink);

        kcp.SetNoDelay(-1, interval, -1, -1);

        Assert.Equal(expected, kcp.Interval);
    }

    [Fact]
    public void SetNoDelay_NegativeArguments_LeaveSettingsUnchanged()
    {
        using var kcp = new KcpControlBlock(1, _sink);
        kcp.SetNoDelay(1, 20, 2, 1);

        kcp.SetNoDelay(-1, -1, -1, -1);

        Assert.Equal(20, kcp.Interval);
    }

    [Fact]
    public void SetWindowSize_NonPositive_LeavesWindowUnchanged()
    {
        using var kcp = new KcpControlBlock(1, _sink);

        kcp.SetWindowSize(0, 256);
        Assert.Equal(32, kcp.SendWindow);
        Assert.Equal(256, kcp.ReceiveWindow);

        kcp.SetWindowSize(64, -5);
        Assert.Equal(64, kcp.SendWindow);
        Assert.Equal(256, kcp.ReceiveWindow);
    }

    [Fact]
    public void Dispose_Twice_DoesNotThrowAndBlocksFurtherUse()
    {
        var kcp = new KcpControlBlock(1, _sink);
        kcp.Send(new byte[5000]);

        kcp.Dispose();
        kcp.Dispose();

        Assert.Throws<ObjectDisposedException>(() => kcp.Send([1]));
    }
}
