using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Kcp.Interop.Tests.Harness;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Interop.Tests;

/// <summary>
/// C#↔kcp-go transfers through the fault relay (loss, reordering by jitter, 1 % duplicates) at 0, 5, 15 and 30 % loss,
/// with and without FEC 10/3, in both directions, arrive byte-exact: both ends check the deterministic test stream and
/// its SHA-256. Times go to the test output, not into assertions. The full 64 MB runs at 15 % loss with FEC, both
/// directions; the other combinations move 8 MB to keep CI within budget on two cores.
/// </summary>
public sealed class IntegrityInteropTests(ITestOutputHelper output)
{
    private const long Mb = 1 << 20;
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);
    private const string PeerTimeout = "290";

    public static TheoryData<int, bool, int> Cases()
    {
        var data = new TheoryData<int, bool, int>();
        foreach (int loss in new[] { 0, 5, 15, 30 })
        {
            foreach (bool fec in new[] { false, true })
            {
                data.Add(loss, fec, loss == 15 && fec ? 64 : 8);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CSharpDial_RelayToGoListen_ArrivesByteExact(int lossPercent, bool fec, int megabytes)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        long bytes = megabytes * Mb;
        await using GoPeer listener = await GoPeer.ListenAsync([.. GoFlags(fec), "--mode", "sink", "--bytes", Number(bytes), "--timeout", PeerTimeout]);
        await using var relay = new UdpFaultRelay(listener.ListenEndPoint!, Faults(lossPercent), seed: 2000 + lossPercent);
        var clock = Stopwatch.StartNew();

        // Act
        KcpSession session = await KcpClient.ConnectAsync(relay.EndPoint, Options(fec), loggerFactory: null, cts.Token);
        string sent;
        await using (session)
        {
            sent = await PipeTransfer.SendAsync(session.Output, bytes, cts.Token);
            await session.CloseAsync(cts.Token); // returns once kcp-go acknowledged everything
        }

        JsonElement remote = await listener.WaitForJsonAsync(e => GoPeer.Event(e) == "session", GoPeer.DefaultWait);
        clock.Stop();

        // Assert
        Assert.True(remote.GetProperty("ok").GetBoolean(), listener.Describe());
        Assert.Equal(bytes, remote.GetProperty("bytes").GetInt64());
        Assert.Equal(TestStream.Sha256Hex(bytes), sent);
        Assert.Equal(sent, remote.GetProperty("sha256").GetString());
        AssertLossHappened(lossPercent, relay);
        Report("C#->kcp-go", megabytes, lossPercent, fec, clock.Elapsed, relay);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task GoDial_RelayToCSharpListen_ArrivesByteExact(int lossPercent, bool fec, int megabytes)
    {
        // Arrange
        using var cts = new CancellationTokenSource(RunBound);
        long bytes = megabytes * Mb;
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(fec));
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, Faults(lossPercent), seed: 3000 + lossPercent);
        var clock = Stopwatch.StartNew();

        // Act
        await using GoPeer dialer = GoPeer.Start(["dial", relay.EndPoint.ToString(), .. GoFlags(fec), "--mode", "sink", "--bytes", Number(bytes), "--timeout", PeerTimeout]);
        KcpSession session = await listener.AcceptAsync(cts.Token)
            ?? throw new InvalidOperationException($"The listener stopped accepting. {dialer.Describe()}");
        string received;
        await using (session)
        {
            received = await PipeTransfer.ReceiveAndVerifyAsync(session.Input, bytes, cts.Token);
            clock.Stop();

            // The session stays open until kcp-go reports: it waits for the acknowledgement of its last segments.
            JsonElement result = await dialer.WaitForJsonAsync(e => GoPeer.Event(e) is null, GoPeer.DefaultWait);

            // Assert
            Assert.True(result.GetProperty("ok").GetBoolean(), dialer.Describe());
            Assert.Equal(TestStream.Sha256Hex(bytes), received);
            Assert.Equal(received, result.GetProperty("sha256").GetString());
        }

        AssertLossHappened(lossPercent, relay);
        Report("kcp-go->C#", megabytes, lossPercent, fec, clock.Elapsed, relay);
    }

    private static RelayFaults Faults(int lossPercent)
        => new() { Loss = lossPercent / 100.0, DelayMs = 1, JitterMs = 4, Duplicate = 0.01 };

    private static KcpOptions Options(bool fec)
    {
        var options = new KcpOptions { SendWindow = 512, ReceiveWindow = 512 }.ApplyPreset(KcpPreset.Fast3);
        (options.DataShards, options.ParityShards) = fec ? (10, 3) : (0, 0);
        return options;
    }

    private static string[] GoFlags(bool fec) =>
    [
        "--mode-preset", "fast3", "--sndwnd", "512", "--rcvwnd", "512",
        "--datashard", fec ? "10" : "0", "--parityshard", fec ? "3" : "0",
    ];

    private static void AssertLossHappened(int lossPercent, UdpFaultRelay relay)
    {
        if (lossPercent > 0)
        {
            Assert.True(relay.Dropped > 0, "The relay dropped nothing: the case did not test loss.");
        }
    }

    private void Report(string direction, int megabytes, int lossPercent, bool fec, TimeSpan elapsed, UdpFaultRelay relay)
        => output.WriteLine(
            $"{direction} {megabytes} MB, loss {lossPercent} %, FEC {(fec ? "10/3" : "off")}: {elapsed.TotalSeconds:F1} s " +
            $"({megabytes / elapsed.TotalSeconds:F1} MB/s); relay dropped {relay.Dropped}, duplicated {relay.Duplicated}");

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
