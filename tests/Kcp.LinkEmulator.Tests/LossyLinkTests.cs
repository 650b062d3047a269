using System.Text.Json;
using Kcp.LinkEmulator.Link;
using Kcp.LinkEmulator.Matrix;
using Kcp.LinkEmulator.Workloads;
using Xunit.Abstractions;

namespace Kcp.LinkEmulator.Tests;

/// <summary>
/// The harness itself, as CI runs it: two namespaces and the forwarder at RTT 40 ms with 5 % uniform loss, the
/// benchmark server in one, the probe client in the other. Not the latency goal (README "KCP against TCP on a lossy
/// link"): only that both protocols cross the link and that the link does what its settings say.
/// </summary>
// One emulated link at a time: two forwarders on the two cores would skew each other's timing.
[Collection("LossyLink")]
public sealed class LossyLinkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(45);

    [Fact(Timeout = 120_000)]
    public async Task Link_Rtt40Loss5_TcpAndKcpDeliverAndTheLinkMatchesItsSettings()
    {
        // Root and the TUN driver are part of the CI contract: without them this fails, it does not skip.
        Assert.True(Environment.UserName == "root", "The link emulator needs root (network namespaces); CI runs as root.");
        Assert.True(File.Exists("/dev/net/tun"), "/dev/net/tun is missing: the link emulator needs the tun driver.");
        var settings = new LinkSettings { Rtt = TimeSpan.FromMilliseconds(40), Loss = 0.05, Seed = 23 };
        // Unique per run, so a parallel or crashed run cannot collide; LossyLink deletes its namespaces on dispose.
        string name = $"kt{Environment.ProcessId % 0xFFFF:x4}{Random.Shared.Next(0xFFFF):x4}";
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(110));

        using var link = LossyLink.Create(name, settings);
        using var server = ChildProcess.StartSelf(link.NamespaceB, ["server", "--address", LossyLink.AddressB.ToString()]);
        await server.WaitForLineAsync("ready", Step, cancellation.Token);
        using var client = ChildProcess.StartSelf(link.NamespaceA, ["client", "--workload", "probe", "--bytes", "1048576", "--timeout", "30"]);
        string line = await client.WaitForLastLineAsync(Step, cancellation.Token);
        ProbeResult probe = JsonSerializer.Deserialize<ProbeResult>(line, WorkloadClient.Json)!;
        LinkCountersSnapshot counters = link.Snapshot();
        output.WriteLine($"{line}  a>b {link.AToB.Snapshot()}  b>a {link.BToA.Snapshot()}");

        Assert.Equal(1 << 20, probe.TcpBytes);
        Assert.Equal(1 << 20, probe.KcpBytes);
        Assert.InRange(probe.TcpConnectMs, 39, 70);   // SYN, SYN-ACK: one RTT (median: a lost SYN waits 1 s)
        Assert.InRange(probe.KcpRequestMs, 39, 90);   // one small request on an open session: one RTT plus the KCP interval
        Assert.True(counters.PacketsIn > 1_500, $"Too few packets crossed the link to judge the loss rate ({counters.PacketsIn}).");
        Assert.InRange(counters.LossRate, 0.035, 0.065);
        long kept = counters.PacketsIn - counters.Lost - counters.QueueDropped;
        Assert.InRange(counters.PacketsOut, kept - 100, kept);   // the rest still in flight when counted

        // The datagrams workload crosses it too: 20 Hz positions as unreliable datagrams beside a bulk download.
        using var datagrams = ChildProcess.StartSelf(link.NamespaceA, ["client", "--workload", "datagrams", "--config", "fast3", "--seconds", "2", "--warmup", "1", "--timeout", "30"]);
        string datagramLine = await datagrams.WaitForLastLineAsync(Step, cancellation.Token);
        WorkloadResult positions = JsonSerializer.Deserialize<WorkloadResult>(datagramLine, WorkloadClient.Json)!;
        output.WriteLine(datagramLine);
        Assert.True(positions.Completed, datagramLine);
        Assert.InRange(positions.Samples, 25, 42);                 // about 40 sent after the warm-up; 5 % lost, some queue-dropped
        Assert.InRange(positions.P50, 19, 1000);                   // one way: half the RTT and the queue the download keeps
        Assert.True(positions.PayloadBytes > 0, datagramLine);     // the download beside them moved
    }
}
