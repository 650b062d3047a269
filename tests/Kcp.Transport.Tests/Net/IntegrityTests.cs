using System.Diagnostics;
using System.Net;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// Large C#↔C# transfers through the fault relay (loss, reordering by jitter, duplicates), with and without FEC, arrive
/// byte-exact (SHA-256 of a deterministic stream). The time each takes is written to the test output, not asserted.
/// The full 64 MB runs for the representative cases (no loss; 15 % with FEC); 30 % without FEC moves 16 MB and the
/// other combinations 8 MB, to keep the suite within its CI budget on two cores.
/// </summary>
public sealed class IntegrityTests(ITestOutputHelper output)
{
    private const int Mb = 1024 * 1024;
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(5);

    public static TheoryData<int, bool, int> Cases => new()
    {
        { 0, false, 64 },
        { 0, true, 8 },
        { 5, false, 8 },
        { 5, true, 8 },
        { 15, false, 8 },
        { 15, true, 64 },
        { 30, false, 16 },
        { 30, true, 8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Transfer_LossReorderingDuplicates_ArrivesByteExact(int lossPercent, bool fec, int megabytes)
    {
        // Arrange
        KcpOptions options = Options(fec);
        var faults = new RelayFaults { Loss = lossPercent / 100.0, DelayMs = 1, JitterMs = 4, Duplicate = 0.01 };
        await using var listener = KcpListener.Bind(Loopback, options);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, faults, seed: 1000 + lossPercent);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        using var timeout = new CancellationTokenSource(TransferTimeout);
        long length = (long)megabytes * Mb;
        var clock = Stopwatch.StartNew();

        // Act
        Task<string> sent = StreamedTransfer.WriteAsync(client.Output, length, seed: megabytes + lossPercent, timeout.Token);
        KcpSession server = (await listener.AcceptAsync(timeout.Token))!;
        await using (server)
        {
            string received = await StreamedTransfer.ReadAsync(server.Input, length, timeout.Token);
            clock.Stop();
            KcpSessionStatistics stats = server.GetStatistics();

            // Assert
            Assert.Equal(await sent.WaitAsync(timeout.Token), received);
            output.WriteLine(
                $"C#->C# {megabytes} MB, loss {lossPercent} %, FEC {(fec ? "10/3" : "off")}: {clock.Elapsed.TotalSeconds:F1} s " +
                $"({length / clock.Elapsed.TotalSeconds / Mb:F1} MB/s); relay dropped {relay.Dropped}, duplicated {relay.Duplicated}; " +
                $"server FEC recovered {stats.FecRecovered}, repeats {stats.RepeatSegments}");
            if (lossPercent > 0)
            {
                Assert.True(relay.Dropped > 0, "The relay dropped nothing: the case did not test loss.");
            }
        }
    }

    internal static KcpOptions Options(bool fec)
    {
        var options = new KcpOptions { SendWindow = 512, ReceiveWindow = 512 }.ApplyPreset(KcpPreset.Fast3);
        if (fec)
        {
            options.DataShards = 10;
            options.ParityShards = 3;
        }

        return options;
    }
}
