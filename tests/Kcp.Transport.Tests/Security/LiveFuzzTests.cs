using System.Buffers.Binary;
using System.Net.Sockets;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Protocol;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// Issue 8: a bounded fuzz campaign against a live listener (FEC on, no crypto so every byte reaches the parsers)
/// while legitimate sessions transfer: random and mutated datagrams, valid headers with absurd lengths, fragment
/// counts, windows, una/sn far out of range, FEC headers with bad sizes.
/// </summary>
public sealed class LiveFuzzTests(ITestOutputHelper output)
{
    private const int Datagrams = 30_000;

    [Fact]
    public async Task FuzzCampaign_NoFault_MemoryBounded_LegitimateSessionsFinish()
    {
        KcpOptions options = Options(dataShards: 4, parityShards: 2);
        options.Security.MaxUnvalidatedSessionsPerPrefix = 64;
        options.Security.NewSessionsPerSecondPerPrefix = 0;
        var logs = new RecordingLoggerFactory();
        await using var listener = KcpListener.Bind(Loopback, options, logs);
        _ = EchoAllAsync(listener);
        await using KcpSession a = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        await using KcpSession b = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        await EchoTransferAsync(a, 16 * 1024, seed: 1);
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var random = new Random(2026);
        var sockets = Enumerable.Range(0, 16).Select(_ => NewSocket()).ToArray();
        var sends = new List<(Socket, byte[])>(Datagrams);
        for (int i = 0; i < Datagrams; i++)
        {
            int s = random.Next(sockets.Length);
            sends.Add((sockets[s], Make(random, conv: 0x5000u + (uint)s)));
        }

        Task transfers = Task.WhenAll(EchoTransferAsync(a, 1 << 20, seed: 2), EchoTransferAsync(b, 1 << 20, seed: 3));
        try
        {
            await SendPacedAsync(listener, sends);
            await transfers.DefaultTimeout();
        }
        finally
        {
            foreach (Socket socket in sockets)
            {
                socket.Dispose();
            }
        }

        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"{Datagrams} fuzz datagrams; dropped {listener.Counters.DroppedTotal}, KCP input errors {listener.Counters.KcpInErrors}, " +
            $"sessions {listener.SessionCount} (opened {listener.Counters.PassiveOpens}); managed heap {memoryBefore >> 20} -> {memoryAfter >> 20} MiB");
        Assert.True(!logs.Events.Any(e => e.Level >= LogLevel.Error), string.Join("\n", logs.Events.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message)));
        Assert.True(listener.SessionCount <= 2 + 64, $"{listener.SessionCount} sessions");
        Assert.True(memoryAfter - memoryBefore < 256L << 20, $"heap grew {(memoryAfter - memoryBefore) >> 20} MiB");
        Assert.True(listener.Counters.DroppedTotal > Datagrams / 10);
        await EchoTransferAsync(a, 64 * 1024, seed: 4);   // the listener still serves
    }

    private static byte[] Make(Random random, uint conv)
    {
        switch (random.Next(8))
        {
            case 0:
                return RandomBytes(random, random.Next(0, 1501));
            case 1:
            {
                // A fresh PUSH whose len field claims more than the datagram holds (or everything: 0xFFFFFFFF).
                byte[] d = Segments.Build(Segments.Push(conv, (uint)random.Next(4), 1, RandomBytes(random, random.Next(0, 64))));
                BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(20), random.Next(2) == 0 ? uint.MaxValue : (uint)(d.Length + random.Next(1, 5000)));
                return d;
            }

            case 2:
            {
                // Well-formed segments with absurd fields: any frg, window, ts, sn and una.
                int count = random.Next(1, 6);
                var segments = new (KcpSegmentHeader, byte[])[count];
                for (int i = 0; i < count; i++)
                {
                    var header = new KcpSegmentHeader(
                        conv, (byte)random.Next(81, 85), (byte)random.Next(256), (ushort)random.Next(65536),
                        (uint)random.NextInt64(0, 1L << 32), Far(random), Far(random), 0);
                    segments[i] = (header, RandomBytes(random, random.Next(0, 200)));
                }

                return Segments.Build(segments);
            }

            case 3:
            {
                // FEC data shard with a bad size field (0, 1, below the header, beyond the datagram, huge).
                byte[] kcp = Segments.Build(Segments.Push(conv, (uint)random.Next(4), 1, RandomBytes(random, random.Next(0, 100))));
                byte[] d = new byte[8 + kcp.Length];
                BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)random.NextInt64(0, 1L << 32));
                BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(4), 0xF1);
                ushort[] sizes = [0, 1, 2, (ushort)(kcp.Length + 2), (ushort)(kcp.Length + 500), 65535];
                BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(6), sizes[random.Next(sizes.Length)]);
                kcp.CopyTo(d, 8);
                return d;
            }

            case 4:
            {
                // FEC parity shards of random lengths and seqids (possibly completing groups with garbage).
                byte[] d = RandomBytes(random, random.Next(6, 1500));
                BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)random.Next(0, 64));
                BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(4), 0xF2);
                return d;
            }

            case 5:
            {
                // A valid datagram with a few bytes mutated.
                byte[] d = Segments.Build(Segments.Push(conv, (uint)random.Next(16), 1, RandomBytes(random, random.Next(1, 300))));
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    d[random.Next(d.Length)] = (byte)random.Next(256);
                }

                return d;
            }

            case 6:
            {
                // Segments of several conversations in one datagram.
                return Segments.Build(
                    Segments.Push(conv, 0, 1, [1, 2, 3]),
                    Segments.Push(conv + 1, 0, 1, [4]),
                    Segments.Ack(conv, Far(random), 0));
            }

            default:
            {
                // Valid traffic of the fuzz session: keeps it alive so later garbage reaches its engine and FEC decoder.
                return Segments.Build(Segments.Push(conv, (uint)random.Next(8), 1, RandomBytes(random, random.Next(1, 1000))));
            }
        }
    }

    private static uint Far(Random random) => random.Next(3) switch
    {
        0 => (uint)random.Next(0, 256),
        1 => uint.MaxValue - (uint)random.Next(0, 256),
        _ => (uint)random.NextInt64(0, 1L << 32),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] b = new byte[length];
        random.NextBytes(b);
        return b;
    }
}
