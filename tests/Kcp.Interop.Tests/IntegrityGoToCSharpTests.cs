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
/// kcp-go dials through the fault relay to a C# listener and sends 64 MB; it arrives byte-exact: we check every byte
/// of the deterministic stream and both ends' SHA-256. The loss-tuned matrix of <see cref="IntegritySettings.Matrix"/>
/// plus one case with both libraries' defaults. Times go to the test output, not into assertions. One class per
/// direction so that xunit runs the two directions side by side.
/// </summary>
public sealed class IntegrityGoToCSharpTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(IntegritySettings.InteropCases), MemberType = typeof(IntegritySettings))]
    public async Task GoDial_RelayToCSharpListen_ArrivesByteExact(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
    {
        // Arrange
        using var cts = new CancellationTokenSource(IntegrityReport.RunBound);
        long bytes = IntegrityReport.Bytes;
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), IntegritySettings.Options(profile, fec));
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, IntegritySettings.Faults(link, lossPercent), seed: 3000 + lossPercent);
        var clock = Stopwatch.StartNew();

        // Act
        await using GoPeer dialer = GoPeer.Start(
            ["dial", relay.EndPoint.ToString(), .. IntegritySettings.GoFlags(profile, fec), "--mode", "sink", "--bytes", Number(bytes), "--timeout", IntegrityReport.PeerTimeout]);
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

        IntegrityReport.AssertFaultsHappened(link, lossPercent, relay);
        output.WriteLine(IntegrityReport.Line("kcp-go->C#", link, lossPercent, fec, profile, clock.Elapsed, relay));
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
