using System.Net;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// Steady-state transfers allocate (almost) nothing per packet: sending, receiving, FEC and crypto all run on
/// reused buffers. Receive loops and the scheduler run on other threads, so the process-wide precise allocation
/// count is compared over a long transfer; the collection runs alone so other tests do not add to it.
/// </summary>
[Collection(nameof(AllocationCollection))]
public sealed class SteadyStateAllocationTests
{
    private const int Chunk = 64 * 1024;

    public static TheoryData<string, int, int, string> Configurations => new()
    {
        { "null", 0, 0, "BatchedWithOffload" },
        { "aes", 10, 3, "BatchedWithOffload" },
        { "aes-128-gcm", 10, 3, "BatchedWithOffload" },
        { "salsa20", 10, 3, "Batched" },
        { "aes", 10, 3, "Portable" },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task EchoTransfer_SteadyState_AllocatesFarLessThanOneObjectPerPacket(string crypt, int data, int parity, string io)
    {
        var options = new KcpOptions
        {
            Crypt = crypt,
            Key = "steady",
            DataShards = data,
            ParityShards = parity,
            SendWindow = 512,
            ReceiveWindow = 512,
            IdleTimeout = TimeSpan.FromSeconds(60),
            SocketBackend = Enum.Parse<KcpSocketBackend>(io),
        }.ApplyPreset(KcpPreset.Fast3);
        await using var listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options);
        Task server = Task.Run(async () =>
        {
            KcpSession session = (await listener.AcceptAsync())!;
            await session.Input.CopyToAsync(session.Output);
        });
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        byte[] payload = PipeTransfer.RandomBytes(Chunk, seed: 3);

        // Warm up: pools, pipe blocks, FEC and cipher buffers, JIT tiers, the send batch of every thread involved.
        await MeasureAsync(listener, client, payload, 16 << 20);

        // Pools keep their peak use, and a new peak (a burst that needs more segments than ever) allocates once;
        // so take the best of a few long rounds. Garbage made per packet shows in every round and fails the test.
        var rounds = new List<string>();
        double best = double.MaxValue;
        for (int round = 0; round < 6 && best >= 0.5; round++)
        {
            (long allocated, long packets) = await MeasureAsync(listener, client, payload, 16 << 20);
            Assert.True(packets > 2 * (16 << 20) / 1400, $"{packets} packets");
            double perPacket = (double)allocated / packets;
            best = Math.Min(best, perPacket);
            rounds.Add($"{allocated} B / {packets} packets");
        }

        // The smallest object is 24 bytes: half a byte per packet is fewer than one object per 48 packets (the
        // client's packets are not even counted), leaving room for timers and the thread pool's own work.
        Assert.True(best < 0.5, $"allocations per round: {string.Join("; ", rounds)}");
    }

    private static async Task<(long Allocated, long Packets)> MeasureAsync(KcpListener listener, KcpSession client, byte[] payload, long total)
    {
        long packetsBefore = listener.Counters.InPackets + listener.Counters.OutPackets;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await PipeTransfer.EchoAsync(client, payload, total).DefaultTimeout();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return (allocated, listener.Counters.InPackets + listener.Counters.OutPackets - packetsBefore);
    }
}
