using System.Text.Json;
using Kcp.LinkEmulator.Link;
using Kcp.LinkEmulator.Matrix;
using Kcp.LinkEmulator.Workloads;
using Xunit.Abstractions;

namespace Kcp.LinkEmulator.Tests;

/// <summary>
/// SignalR's <c>WithKcp(endPoint, fallbackUrl)</c> across the emulated link at 200 ms RTT and 5 % bursty loss, where
/// UDP works but a first datagram or its answer is sometimes lost: every connection must stay on KCP, none may fall
/// back to WebSockets spuriously (README, "When UDP is blocked").
/// </summary>
// One emulated link at a time: two forwarders on the two cores would skew each other's timing.
[Collection("LossyLink")]
public sealed class FallbackOnLossyLinkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 180_000)]
    public async Task HubConnections_Rtt200Loss5_AllUseKcp_NoneFallsBack()
    {
        Assert.True(Environment.UserName == "root", "The link emulator needs root (network namespaces); CI runs as root.");
        Assert.True(File.Exists("/dev/net/tun"), "/dev/net/tun is missing: the link emulator needs the tun driver.");
        var settings = new LinkSettings { Rtt = TimeSpan.FromMilliseconds(200), Loss = 0.05, BurstLength = 3, Seed = 32 };
        string name = $"kf{Environment.ProcessId % 0xFFFF:x4}{Random.Shared.Next(0xFFFF):x4}";
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(170));

        using var link = LossyLink.Create(name, settings);
        using var server = ChildProcess.StartSelf(link.NamespaceB, ["server", "--address", LossyLink.AddressB.ToString()]);
        await server.WaitForLineAsync("ready", Step, cancellation.Token);
        using var client = ChildProcess.StartSelf(link.NamespaceA, ["client", "--workload", "fallback", "--config", "fast3", "--clients", "20", "--timeout", "30"]);
        string line = await client.WaitForLastLineAsync(Step, cancellation.Token);
        FallbackResult result = JsonSerializer.Deserialize<FallbackResult>(line, WorkloadClient.Json)!;
        output.WriteLine($"{line}  a>b {link.AToB.Snapshot()}  b>a {link.BToA.Snapshot()}");

        Assert.Equal(20, result.Connects);
        Assert.True(result.Fallbacks == 0, $"{result.Fallbacks} of {result.Connects} connections fell back to {result.FallbackTransports} although UDP works: {line}");
        Assert.True(link.Snapshot().Lost > 0, "The link lost nothing: the test proved nothing about loss.");
    }
}
