namespace Kcp.Transport.Tests.Multiplexing;

/// <summary>The smux settings: kcptun's defaults, validation messages naming the setting, copies.</summary>
public sealed class KcpSmuxOptionsTests
{
    [Fact]
    public void Defaults_AreKcptuns()
    {
        var options = new KcpSmuxOptions();
        Assert.Equal(1, options.Version);
        Assert.Equal(KcpSmuxCompression.Snappy, options.Compression);
        Assert.Equal(32768, options.MaxFrameSize);
        Assert.Equal(4 * 1024 * 1024, options.MaxReceiveBuffer);
        Assert.Equal(2 * 1024 * 1024, options.MaxStreamBuffer);
        Assert.Equal(TimeSpan.FromSeconds(10), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.KeepAliveTimeout);
        Assert.Null(new KcpOptions().Smux);
    }

    [Theory]
    [InlineData("Version", "KcpOptions.Smux.Version must be 1 or 2 (was 3).")]
    [InlineData("MaxFrameSize", "KcpOptions.Smux.MaxFrameSize must be between 1 and 65535 (was 70000).")]
    [InlineData("MaxStreamBuffer", "KcpOptions.Smux.MaxStreamBuffer must not be larger than MaxReceiveBuffer (was 8388608 > 4194304).")]
    [InlineData("KeepAliveTimeout", "KcpOptions.Smux.KeepAliveTimeout must be at least KeepAliveInterval (was 00:00:05 < 00:00:10).")]
    [InlineData("Compression", "KcpOptions.Smux.Compression must be Snappy or None (was 7).")]
    public void Validation_NamesTheSettingAndItsValue(string setting, string message)
    {
        var smux = new KcpSmuxOptions();
        switch (setting)
        {
            case "Version": smux.Version = 3; break;
            case "MaxFrameSize": smux.MaxFrameSize = 70000; break;
            case "MaxStreamBuffer": smux.MaxStreamBuffer = 8 * 1024 * 1024; break;
            case "KeepAliveTimeout": smux.KeepAliveTimeout = TimeSpan.FromSeconds(5); break;
            case "Compression": smux.Compression = (KcpSmuxCompression)7; break;
        }

        var options = new KcpOptions { Smux = smux };
        Assert.Equal([message], options.GetValidationErrors());
        Assert.Contains(message, Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Fact]
    public void Clone_CopiesTheSmuxSettings()
    {
        var options = new KcpOptions { Smux = new KcpSmuxOptions { Version = 2 } };
        KcpOptions copy = options.Clone();
        options.Smux.Version = 1;
        Assert.Equal(2, copy.Smux!.Version);
    }
}
