using System.Diagnostics;
using System.Net;

namespace Kcp.Transport.Tests.Support;

/// <summary>
/// One C#↔C# integrity case: a client sends 64 MB of a deterministic stream through the fault relay, the server reads
/// it; the writer's and the reader's SHA-256 must match. Returns the line that reports the time (not asserted).
/// </summary>
internal static class IntegrityTransfer
{
    public const long Length = 64L << 20;
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    /// <summary>Only a hang guard: the slowest case (library defaults, 5 % loss) takes about 30 s.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    public static async Task<string> RunAsync(IntegrityLink link, int lossPercent, bool fec, IntegrityProfile profile)
    {
        KcpOptions options = IntegritySettings.Options(profile, fec);
        await using var listener = KcpListener.Bind(Loopback, options);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, IntegritySettings.Faults(link, lossPercent), seed: 1000 + lossPercent);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        using var timeout = new CancellationTokenSource(HangGuard);
        var clock = Stopwatch.StartNew();

        Task<string> sent = StreamedTransfer.WriteAsync(client.Output, Length, seed: lossPercent + (int)link, timeout.Token);
        KcpSession server = (await listener.AcceptAsync(timeout.Token))!;
        await using (server)
        {
            string received = await StreamedTransfer.ReadAsync(server.Input, Length, timeout.Token);
            clock.Stop();
            KcpSessionStatistics stats = server.GetStatistics();
            KcpSessionStatistics sender = client.GetStatistics();

            Assert.Equal(await sent.WaitAsync(timeout.Token), received);
            if (lossPercent > 0)
            {
                Assert.True(relay.Dropped > 0, "The relay dropped nothing: the case did not test loss.");
            }

            if (link == IntegrityLink.Duplicating)
            {
                Assert.True(relay.Duplicated > 0 && stats.Counters.RepeatSegments > 0, "No duplicate reached the server: the case did not test duplication.");
            }

            return $"C#->C# {Length >> 20} MB, {IntegritySettings.Describe(link, lossPercent, fec, profile)}: {clock.Elapsed.TotalSeconds:F1} s " +
                $"({Length / clock.Elapsed.TotalSeconds / (1 << 20):F1} MB/s); relay dropped {relay.Dropped}, duplicated {relay.Duplicated}; " +
                $"sender retransmitted {sender.Counters.RetransmittedSegments}; server FEC recovered {stats.Counters.FecRecovered}, repeats {stats.Counters.RepeatSegments}";
        }
    }
}
