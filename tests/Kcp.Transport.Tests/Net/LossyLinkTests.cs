using System.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

/// <summary>Sessions across the fault relay: data arrives byte-exact whatever the link does to it.</summary>
public sealed class LossyLinkTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    [Fact]
    public async Task Transfer_FifteenPercentLossWithFec_RecoversPacketsAndArrivesIntact()
    {
        var options = new KcpOptions { Crypt = "aes", Key = "secret", DataShards = 10, ParityShards = 3 }.ApplyPreset(KcpPreset.Fast3);
        var (sent, received, server) = await TransferThroughRelayAsync(options, new RelayFaults { Loss = 0.15 }, bytes: 2 << 20);

        Assert.Equal(PipeTransfer.Sha256(sent), PipeTransfer.Sha256(received));
        Assert.True(server.Counters.FecRecovered > 0, "FEC recovered no packet at 15 % loss");
        Assert.True(server.Counters.FecParityShards > 0);
    }

    [Fact]
    public async Task Transfer_LossReorderingAndDuplicates_ArrivesIntact()
    {
        var options = new KcpOptions().ApplyPreset(KcpPreset.Fast3);
        var faults = new RelayFaults { Loss = 0.05, Duplicate = 0.05, DelayMs = 2, JitterMs = 8 };

        var (sent, received, server) = await TransferThroughRelayAsync(options, faults, bytes: 1 << 20);

        Assert.Equal(PipeTransfer.Sha256(sent), PipeTransfer.Sha256(received));
        Assert.True(server.Counters.RepeatSegments > 0, "duplicated datagrams should be seen as repeats");
    }

    [Fact]
    public async Task Transfer_CorruptionWithCrypt_IsCaughtByChecksumAndRepaired()
    {
        var options = new KcpOptions { Crypt = "aes-128", Key = "secret" }.ApplyPreset(KcpPreset.Fast3);

        var (sent, received, server) = await TransferThroughRelayAsync(options, new RelayFaults { Corrupt = 0.05 }, bytes: 1 << 20);

        Assert.Equal(PipeTransfer.Sha256(sent), PipeTransfer.Sha256(received));
        Assert.True(server.Counters.InChecksumErrors > 0, "flipped bits must fail the CRC and be dropped");
    }

    private static async Task<(byte[] Sent, byte[] Received, KcpSessionStatistics Server)> TransferThroughRelayAsync(
        KcpOptions options, RelayFaults faults, int bytes)
    {
        await using var listener = KcpListener.Bind(Loopback, options);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, faults, seed: 42);
        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        byte[] data = PipeTransfer.RandomBytes(bytes, seed: bytes);

        Task write = PipeTransfer.WriteAllAsync(client.Output, data);
        KcpSession server = (await listener.AcceptAsync().DefaultTimeout())!;
        byte[] received = await PipeTransfer.ReadExactlyAsync(server.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();
        KcpSessionStatistics stats = server.GetStatistics();
        await server.DisposeAsync();
        return (data, received, stats);
    }
}
