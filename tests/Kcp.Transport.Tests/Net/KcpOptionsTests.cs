namespace Kcp.Transport.Tests.Net;

public sealed class KcpOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
        => new KcpOptions().Validate();

    [Theory]
    [InlineData("Mtu", 9000, "KcpOptions.Mtu")]
    [InlineData("Mtu", 49, "KcpOptions.Mtu")]
    [InlineData("SendWindow", 0, "KcpOptions.SendWindow")]
    [InlineData("ReceiveWindow", 70000, "KcpOptions.ReceiveWindow")]
    [InlineData("Interval", 5, "KcpOptions.Interval")]
    [InlineData("NoDelay", 3, "KcpOptions.NoDelay")]
    [InlineData("Dscp", 64, "KcpOptions.Dscp")]
    [InlineData("DataShards", -1, "KcpOptions.DataShards")]
    [InlineData("AcceptBacklog", 0, "KcpOptions.AcceptBacklog")]
    public void Validate_BadSetting_MessageNamesIt(string property, int value, string expected)
    {
        var options = new KcpOptions();
        typeof(KcpOptions).GetProperty(property)!.SetValue(options, value);

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FecHalfConfigured_Fails()
    {
        var options = new KcpOptions { DataShards = 10, ParityShards = 0 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("ParityShards", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownCrypt_ListsSupportedNames()
    {
        var options = new KcpOptions { Crypt = "rot13", Key = "k" };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("KcpOptions.Crypt 'rot13'", error.Message, StringComparison.Ordinal);
        Assert.Contains("null", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KcpPreset.Normal, 0, 40)]
    [InlineData(KcpPreset.Fast, 0, 30)]
    [InlineData(KcpPreset.Fast2, 1, 20)]
    [InlineData(KcpPreset.Fast3, 1, 10)]
    public void ApplyPreset_SetsKcptunTuple(KcpPreset preset, int nodelay, int interval)
    {
        var options = new KcpOptions { NoCongestionWindow = false, FastResend = 0 }.ApplyPreset(preset);

        Assert.Equal(nodelay, options.NoDelay);
        Assert.Equal(interval, options.Interval);
        Assert.Equal(2, options.FastResend);
        Assert.True(options.NoCongestionWindow);
    }

    [Fact]
    public void Bind_InvalidOptions_ThrowsBeforeOpeningSocket()
    {
        var error = Assert.Throws<ArgumentException>(
            () => KcpListener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), new KcpOptions { Mtu = 10 }));

        Assert.Contains("KcpOptions.Mtu", error.Message, StringComparison.Ordinal);
    }
}
