using System.Net;
using Kcp.Transport;

namespace Kcp.Interop.Tests.Harness;

/// <summary>
/// kcpcat's command line (System.CommandLine), parsed in process: every flag the interop tests, the benchmark script
/// and the README use keeps its meaning, booleans work bare and with a value, help and errors behave as documented.
/// </summary>
public sealed class CatCommandLineTests
{
    [Fact]
    public void Dial_EveryKcpFlag_SetsTheOptionOfTheSameKcptunName()
    {
        // Act
        CatArguments a = ParseOk(
            "dial", "127.0.0.1:4000", "--mode", "echo", "--bytes", "16000000", "--sessions", "3", "--timeout", "2.5",
            "--crypt", "aes", "--key", "secret", "--datashard", "10", "--parityshard", "3", "--nodelay", "1",
            "--interval", "15", "--resend", "3", "--nc", "0", "--sndwnd", "1024", "--rcvwnd", "512", "--mtu", "1200",
            "--streammode", "false", "--acknodelay", "true", "--dscp", "46", "--socket-backend", "portable");

        // Assert
        Assert.Equal(("dial", new IPEndPoint(IPAddress.Loopback, 4000)), (a.Verb, a.EndPoint));
        Assert.Equal(("echo", 16_000_000L, 3, TimeSpan.FromSeconds(2.5)), (a.Mode, a.Bytes, a.Sessions, a.Timeout));
        KcpOptions o = a.Options;
        Assert.Equal(("aes", "secret", 10, 3), (o.Crypt, o.Key, o.DataShards, o.ParityShards));
        Assert.Equal((1, 15, 3, false), (o.NoDelay, o.Interval, o.FastResend, o.NoCongestionWindow));
        Assert.Equal((1024, 512, 1200, 46), (o.SendWindow, o.ReceiveWindow, o.Mtu, o.Dscp));
        Assert.Equal((false, true, KcpSocketBackend.Portable), (o.StreamMode, o.AckNoDelay, o.SocketBackend));
    }

    [Fact]
    public void Listen_NoFlags_KeepsTheDefaults()
    {
        CatArguments a = ParseOk("listen", "127.0.0.1:0");

        var defaults = new KcpOptions();
        Assert.Equal(("listen", null, -1L, 1, TimeSpan.FromSeconds(60)), (a.Verb, a.Mode, a.Bytes, a.Sessions, a.Timeout));
        Assert.Equal((defaults.StreamMode, defaults.AckNoDelay, defaults.Crypt, defaults.Key), (a.Options.StreamMode, a.Options.AckNoDelay, a.Options.Crypt, a.Options.Key));
        Assert.Equal((defaults.NoDelay, defaults.Interval, defaults.Mtu), (a.Options.NoDelay, a.Options.Interval, a.Options.Mtu));
    }

    [Theory]
    [InlineData(new[] { "--acknodelay" }, true, true)]                              // bare, as kcptun takes it
    [InlineData(new[] { "--acknodelay", "true" }, true, true)]
    [InlineData(new[] { "--acknodelay", "false" }, false, true)]
    [InlineData(new[] { "--acknodelay=false" }, false, true)]
    [InlineData(new[] { "--streammode" }, false, true)]
    [InlineData(new[] { "--streammode", "false" }, false, false)]
    [InlineData(new[] { "--streammode", "true", "--acknodelay" }, true, true)]
    [InlineData(new[] { "--acknodelay", "--streammode", "false" }, true, false)]
    [InlineData(new[] { "--streammode=false", "--acknodelay=true" }, true, false)]
    public void Booleans_BareOrWithAValue_MeanWhatTheySay(string[] flags, bool ackNoDelay, bool streamMode)
    {
        CatArguments a = ParseOk(["dial", "127.0.0.1:4000", .. flags]);

        Assert.Equal((ackNoDelay, streamMode), (a.Options.AckNoDelay, a.Options.StreamMode));
    }

    [Fact]
    public void BareSwitch_BeforeTheAddress_LeavesTheAddressAlone()
    {
        CatArguments a = ParseOk("dial", "--acknodelay", "127.0.0.1:4000", "--streammode");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4000), a.EndPoint);
        Assert.True(a.Options.AckNoDelay);
        Assert.True(a.Options.StreamMode);
    }

    [Fact]
    public void Preset_ExplicitTimerFlags_WinWhereverTheyStand()
    {
        // kcptun's manual mode: --nodelay & co. override the preset's members, whichever comes first.
        CatArguments a = ParseOk("dial", "127.0.0.1:4000", "--interval", "15", "--mode-preset", "fast3");

        Assert.Equal((1, 15, 2, true), (a.Options.NoDelay, a.Options.Interval, a.Options.FastResend, a.Options.NoCongestionWindow));
    }

    [Fact]
    public void Crypt_WithoutKey_GetsKcptunsDefaultKey()
    {
        Assert.Equal(CatArguments.KcptunDefaultKey, ParseOk("dial", "127.0.0.1:4000", "--crypt", "aes").Options.Key);
        Assert.Null(ParseOk("dial", "127.0.0.1:4000", "--crypt", "null").Options.Key);
    }

    [Fact]
    public void Listen_AdmissionFlags_SetTheSecurityLimits()
    {
        CatArguments a = ParseOk("listen", "127.0.0.1:0", "--session-rate", "0", "--session-burst", "7", "--max-unvalidated", "20000");

        KcpSecurityOptions s = a.Options.Security;
        Assert.Equal((0d, 7, 20000, 20000), (s.NewSessionsPerSecondPerPrefix, s.NewSessionBurstPerPrefix, s.MaxUnvalidatedSessions, s.MaxUnvalidatedSessionsPerPrefix));
    }

    [Fact]
    public void Dial_DatagramFlags_SetCountSizeAndPace()
    {
        CatArguments a = ParseOk("dial", "127.0.0.1:4000", "--mode", "echo", "--bytes", "0", "--datagrams", "500", "--datagram-size", "120", "--datagram-interval", "250", "--datagram-queue", "4096");
        CatArguments defaults = ParseOk("dial", "127.0.0.1:4000", "--mode", "echo", "--bytes", "0");

        Assert.Equal((0L, 500, 120, TimeSpan.FromMicroseconds(250)), (a.Bytes, a.Datagrams, a.DatagramSize, a.DatagramInterval));
        Assert.Equal((0, 64, TimeSpan.FromMilliseconds(1)), (defaults.Datagrams, defaults.DatagramSize, defaults.DatagramInterval));
        Assert.Equal((4096, 64), (a.Options.DatagramQueueLength, defaults.Options.DatagramQueueLength));
    }

    [Theory]
    [InlineData("dial", "127.0.0.1:4000", "--datagrams", "5")]
    [InlineData("listen", "127.0.0.1:0", "--mode", "echo", "--datagrams", "5")]
    [InlineData("dial", "127.0.0.1:4000", "--mode", "echo", "--datagrams", "-1")]
    public void Datagrams_WithoutDialModeOrNegative_ExitsTwo(params string[] args)
    {
        (CatArguments? a, int exitCode, _, string error) = Parse(args);

        Assert.Null(a);
        Assert.Equal(2, exitCode);
        Assert.Contains("--datagrams", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Relay_FaultFlags_SetTheFaultsAndSeed()
    {
        CatArguments a = ParseOk(
            "relay", "127.0.0.1:5001", "localhost:5000", "--loss", "0.1", "--burst-enter", "0.01", "--burst-exit", "0.3",
            "--burst-loss", "0.9", "--delay", "20", "--jitter", "5", "--duplicate", "0.02", "--corrupt", "0.03",
            "--truncate", "0.04", "--bandwidth", "1000000", "--seed", "42", "--timeout", "5");

        Assert.Equal(("relay", new IPEndPoint(IPAddress.Loopback, 5001), new IPEndPoint(IPAddress.Loopback, 5000)), (a.Verb, a.EndPoint, a.RelayTarget));
        Assert.Equal((0.1, 0.01, 0.3, 0.9), (a.Faults.Loss, a.Faults.BurstEnter, a.Faults.BurstExit, a.Faults.BurstLoss));
        Assert.Equal((20, 5, 0.02, 0.03, 0.04, 1_000_000L), (a.Faults.DelayMs, a.Faults.JitterMs, a.Faults.Duplicate, a.Faults.Corrupt, a.Faults.Truncate, a.Faults.BandwidthBytesPerSecond));
        Assert.Equal((42, TimeSpan.FromSeconds(5)), (a.Seed, a.Timeout));
    }

    [Fact]
    public void Relay_NoFaultFlags_KeepsTheRelayDefaults()
    {
        CatArguments a = ParseOk("relay", "127.0.0.1:5001", "127.0.0.1:5000");

        Assert.Equal(new Kcp.Transport.Tests.Support.RelayFaults(), a.Faults);
        Assert.Equal(1, a.Seed);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("dial", "--help")]
    [InlineData("relay", "--help")]
    [InlineData("dial", "127.0.0.1:1", "--bogus", "--help")]
    public void Help_PrintsUsage_ExitsZero(params string[] args)
    {
        (CatArguments? a, int exitCode, string output, string error) = Parse(args);

        Assert.Null(a);
        Assert.Equal(0, exitCode);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public void Help_OfDial_ListsTheKcptunFlags()
    {
        string output = Parse("dial", "--help").Output;

        foreach (string flag in new[] { "--crypt", "--key", "--datashard", "--parityshard", "--mode-preset", "--nodelay", "--interval", "--resend", "--nc", "--sndwnd", "--rcvwnd", "--mtu", "--streammode", "--acknodelay", "--dscp", "--timeout", "--socket-backend", "--mode", "--bytes", "--sessions" })
        {
            Assert.Contains(flag + " ", output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--bogus", "dial", "127.0.0.1:1", "--bogus")]
    [InlineData("--crypt", "relay", "127.0.0.1:1", "127.0.0.1:2", "--crypt", "aes")]       // a KCP flag is not a relay flag
    [InlineData("maybe", "dial", "127.0.0.1:1", "--streammode", "maybe")]
    [InlineData("--mtu", "dial", "127.0.0.1:1", "--mtu", "big")]
    [InlineData("--mode", "dial", "127.0.0.1:1", "--mode", "flood")]
    [InlineData("--mode-preset", "dial", "127.0.0.1:1", "--mode-preset", "fast4")]
    [InlineData("--socket-backend", "dial", "127.0.0.1:1", "--socket-backend", "uring")]
    [InlineData("--loss", "relay", "127.0.0.1:1", "127.0.0.1:2", "--loss", "1.5")]
    [InlineData("HOST:PORT", "dial", "--mode", "echo")]
    [InlineData("not HOST:PORT", "dial", "127.0.0.1:port")]
    [InlineData("command", "connect", "127.0.0.1:1")]
    [InlineData("command")]
    [InlineData("Mtu", "dial", "127.0.0.1:1", "--mtu", "99999")]                               // parses, but KcpOptions rejects it
    [InlineData("SendWindow", "listen", "127.0.0.1:1", "--sndwnd", "0")]
    public void BadCommandLine_ExitsTwo_NamingTheProblem(string named, params string[] args)
    {
        (CatArguments? a, int exitCode, string output, string error) = Parse(args);

        Assert.Null(a);
        Assert.Equal(CatCommandLine.UsageErrorExitCode, exitCode);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.StartsWith("kcpcat: ", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public void Key_StartingWithAt_IsAKeyNotAResponseFile()
    {
        Assert.Equal("@secret", ParseOk("dial", "127.0.0.1:4000", "--crypt", "aes", "--key", "@secret").Options.Key);
    }

    private static CatArguments ParseOk(params string[] args)
    {
        (CatArguments? a, int exitCode, _, string error) = Parse(args);
        Assert.True(a is not null && exitCode == 0, $"exit {exitCode}: {error}");
        return a;
    }

    private static (CatArguments? Arguments, int ExitCode, string Output, string Error) Parse(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        CatArguments? a = CatCommandLine.Parse(args, output, error, out int exitCode);
        return (a, exitCode, output.ToString(), error.ToString());
    }
}
