using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kcp.Interop.Tests.Harness;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Interop.Tests;

/// <summary>
/// C# dials through the fault relay to a kcp-go listener and sends 64 MB; it arrives byte-exact: kcp-go checks the
/// deterministic stream and its SHA-256 against ours. The loss-tuned matrix of <see cref="IntegritySettings.Matrix"/>
/// plus one case with both libraries' defaults. Times go to the test output, not into assertions. One class per
/// direction so that xunit runs the two directions side by side.
/// </summary>
public sealed class IntegrityCSharpToGoTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(IntegritySettings.InteropCases), MemberType = typeof(IntegritySettings))]
    public async Task CSharpDial_RelayToGoListen_ArrivesByteExact(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
    {
        // Arrange
        using var cts = new CancellationTokenSource(IntegrityReport.RunBound);
        long bytes = IntegrityReport.Bytes;
        await using GoPeer listener = await GoPeer.ListenAsync(
            [.. IntegritySettings.GoFlags(profile, fec), "--mode", "sink", "--bytes", Number(bytes), "--timeout", IntegrityReport.PeerTimeout]);
        await using var relay = new UdpFaultRelay(listener.ListenEndPoint!, IntegritySettings.Faults(link, lossPercent), seed: 2000 + lossPercent);
        var clock = Stopwatch.StartNew();

        // Act
        KcpSession session = await KcpClient.ConnectAsync(relay.EndPoint, IntegritySettings.Options(profile, fec), loggerFactory: null, cts.Token);
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
        IntegrityReport.AssertFaultsHappened(link, lossPercent, relay);
        output.WriteLine(IntegrityReport.Line("C#->kcp-go", link, lossPercent, fec, profile, clock.Elapsed, relay));
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
