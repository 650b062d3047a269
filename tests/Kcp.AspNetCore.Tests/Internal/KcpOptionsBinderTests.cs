using Kcp.AspNetCore.Internal;
using Kcp.Transport;

namespace Kcp.AspNetCore.Tests.Internal;

/// <summary>The translation of KcpOptions' validation messages into configuration paths, and the convention it relies on.</summary>
public sealed class KcpOptionsBinderTests
{
    private static string Path(string name) => "Kcp:Endpoints:X:" + name;

    [Theory]
    [InlineData("KcpOptions.Mtu must be between 50 and 1500 (was 9000).", "Kcp:Endpoints:X:Mtu must be between 50 and 1500 (was 9000).")]
    [InlineData("KcpOptions.Security.MaxTombstones must not be negative (was -1).", "Kcp:Endpoints:X:Security:MaxTombstones must not be negative (was -1).")]
    [InlineData("KcpOptions.Security must not be null.", "Kcp:Endpoints:X:Security must not be null.")]
    [InlineData("KcpOptions.Key is required when KcpOptions.Crypt is 'aes'.", "Kcp:Endpoints:X:Key is required when Kcp:Endpoints:X:Crypt is 'aes'.")]
    [InlineData("KcpOptions.DataShards + ParityShards must be at most 256 (was 300).", "Kcp:Endpoints:X:DataShards + ParityShards must be at most 256 (was 300).")]
    [InlineData("MyKcpOptions.Mtu and KcpOptions. alone stay", "MyKcpOptions.Mtu and KcpOptions. alone stay")]
    public void Translate_SettingNames_BecomeConfigurationPaths(string message, string expected)
    {
        Assert.Equal(expected, KcpOptionsBinder.Translate(message, Path));
    }

    [Fact]
    public void GetValidationErrors_EverySettingInvalid_EveryMessageNamesItsSettingTheWayTheTranslationReads()
    {
        var options = new KcpOptions
        {
            Mtu = 0, SendWindow = 0, ReceiveWindow = 0, NoDelay = 2, Interval = 0, FastResend = -1, Dscp = 64,
            SocketReceiveBufferSize = -1, SocketSendBufferSize = -1, DataShards = -1, ParityShards = 300,
            IdleTimeout = TimeSpan.Zero, DeadLink = 0, LingerTimeout = TimeSpan.FromSeconds(-1), MaxReadBufferSize = 0,
            MaxWriteBufferSize = 0, AcceptBacklog = 0, MaxSessions = 0, ReceiveLoops = -1, RedundantCopies = 9, Crypt = "rot13",
            Security = new KcpSecurityOptions { MaxUnvalidatedSessions = 0, MaxTombstones = -1, ReplayHorizon = TimeSpan.Zero },
        };

        IReadOnlyList<string> errors = options.GetValidationErrors();

        Assert.True(errors.Count >= 20, $"Only {errors.Count} errors.");
        Assert.All(errors, message =>
        {
            Assert.StartsWith("KcpOptions.", message, StringComparison.Ordinal);
            Assert.DoesNotContain("KcpOptions.", KcpOptionsBinder.Translate(message, Path), StringComparison.Ordinal);
        });
    }
}
