using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;
using Kcp.Transport.Io.Linux;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport.Tests.Io;

/// <summary>
/// The socket layer on each backend: portable (one call per datagram), Linux recvmmsg/sendmmsg, and the same with
/// GSO/GRO. Where batching is impossible (not Linux) the backend resolves to portable and the tests still hold.
/// </summary>
public sealed class UdpSocketTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    public static TheoryData<string> Backends => new() { "Portable", "Batched", "BatchedWithOffload" };

    private static KcpSocketBackend Parse(string backend) => Enum.Parse<KcpSocketBackend>(backend);

    private static UdpSocket Bind(KcpSocketBackend backend, IPEndPoint? at = null)
        => UdpSocket.Bind(at ?? Loopback, new KcpOptions { SocketBackend = backend }, new KcpCounters(), NullLogger.Instance, KcpRuntime.Shared.DialedSocketPoller);

    private static void SendAll(UdpSocket socket, IEnumerable<byte[]> datagrams, SocketAddress to)
    {
        var batch = new SendBatch();
        foreach (byte[] datagram in datagrams)
        {
            batch.Add(socket, datagram, to);
        }

        batch.Flush();
    }

    // 40 full segments, one shorter tail, then small ones: a GSO run, its tail, and datagrams GSO cannot merge.
    private static byte[][] Datagrams()
    {
        var list = new List<byte[]>();
        for (int i = 0; i < 40; i++)
        {
            list.Add(PipeTransfer.RandomBytes(1400, seed: i));
        }

        list.Add(PipeTransfer.RandomBytes(700, seed: 100));
        for (int i = 0; i < 9; i++)
        {
            list.Add(PipeTransfer.RandomBytes(100 + i, seed: 200 + i));
        }

        return [.. list];
    }

    [Fact]
    public void Resolve_FollowsThePlatform()
    {
        Assert.Equal(KcpSocketBackend.Portable, UdpSocket.Resolve(KcpSocketBackend.Portable));
        KcpSocketBackend expected = OperatingSystem.IsLinux() ? KcpSocketBackend.Batched : KcpSocketBackend.Portable;
        Assert.Equal(expected, UdpSocket.Resolve(KcpSocketBackend.Batched));
        Assert.Equal(OperatingSystem.IsLinux() ? KcpSocketBackend.BatchedWithOffload : KcpSocketBackend.Portable, UdpSocket.Resolve(KcpSocketBackend.Auto));
        Assert.Equal(OperatingSystem.IsLinux(), LinuxUdp.IsSupported);
    }

    [Fact]
    public void Offload_OnLinux_EnablesGsoAndGroOnListenerSocketsOnly()
    {
        using UdpSocket socket = Bind(KcpSocketBackend.BatchedWithOffload);
        using UdpSocket dialed = Bind(KcpSocketBackend.BatchedWithOffload);
        socket.StartReceiving(new RecordingHandler(), dedicatedLoops: 1);
        dialed.StartReceiving(new RecordingHandler(), dedicatedLoops: 0);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(KcpSocketBackend.Portable, socket.Backend);
            return;
        }

        // Linux >= 5.0 has both; this asserts that our probes and setsockopt calls are right.
        Assert.Equal(KcpSocketBackend.BatchedWithOffload, socket.Backend);
        Assert.True(socket.GsoEnabled);
        Assert.True(socket.GroEnabled);
        Assert.True(dialed.GsoEnabled);
        Assert.False(dialed.GroEnabled);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Receive_DatagramsFromPlainSocket_ArriveWholeWithSourceAddress(string backend)
    {
        using UdpSocket socket = Bind(Parse(backend));
        var handler = new RecordingHandler();
        socket.StartReceiving(handler, dedicatedLoops: 2);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(Loopback);
        byte[][] datagrams = Datagrams();

        foreach (byte[] datagram in datagrams)
        {
            sender.SendTo(datagram, socket.LocalEndPoint);
        }

        List<(byte[] Data, IPEndPoint From)> received = await handler.WaitForAsync(datagrams.Length);
        Assert.Equal(datagrams.Select(d => PipeTransfer.Sha256(d)).Order(), received.Select(r => PipeTransfer.Sha256(r.Data)).Order());
        Assert.All(received, r => Assert.Equal(sender.LocalEndPoint, r.From));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task SendBatch_ToPlainSocket_EveryDatagramArrivesSeparatelyInOrder(string backend)
    {
        using UdpSocket socket = Bind(Parse(backend));
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.ReceiveBufferSize = 1 << 20;
        receiver.Bind(Loopback);
        SocketAddress to = receiver.LocalEndPoint!.Serialize();
        byte[][] datagrams = Datagrams();

        SendAll(socket, datagrams, to);

        byte[] buffer = new byte[2048];
        for (int i = 0; i < datagrams.Length; i++)
        {
            using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.Default);
            int n = await receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.Equal(datagrams[i], buffer[..n]);
        }

        long calls = socket.SendSystemCalls;
        if (socket.Backend == KcpSocketBackend.Portable)
        {
            Assert.Equal(datagrams.Length, calls);
        }
        else
        {
            // 50 datagrams, one sendmmsg (the GSO run is one message within it).
            Assert.Equal(1, calls);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task SendBatch_DeferredSeals_RunOncePerRunOfOneSealBeforeSending_AndAtOnceForAnOversizeDatagram(string backend)
    {
        using UdpSocket socket = Bind(Parse(backend));
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.ReceiveBufferSize = 1 << 20;
        receiver.Bind(Loopback);
        SocketAddress to = receiver.LocalEndPoint!.Serialize();
        var first = new AddingSeal(1);
        var second = new AddingSeal(2);
        byte[][] datagrams = [.. Enumerable.Range(0, 7).Select(i => PipeTransfer.RandomBytes(100 + i, seed: i))];
        IDeferredSeal?[] seals = [first, first, first, null, second, second, first];
        byte[] oversize = PipeTransfer.RandomBytes(SendBatch.SlotSize + 1, seed: 99);
        byte[] oversizeSent = (byte[])oversize.Clone();

        var batch = new SendBatch();
        for (int i = 0; i < datagrams.Length; i++)
        {
            byte[] copy = (byte[])datagrams[i].Clone();
            if (seals[i] is { } seal)
            {
                batch.Add(socket, copy.AsSpan(), to, seal);
            }
            else
            {
                batch.Add(socket, copy, to);
            }

            // The batch holds its own copy: what the caller does to its buffer afterwards is not sent.
            copy.AsSpan().Clear();
        }

        Assert.Equal(0, first.Calls);
        batch.Add(socket, oversizeSent.AsSpan(), to, second);
        batch.Flush();

        // The oversize datagram flushed the batch first (runs: first ×3, none, second ×2, first ×1), then was sealed alone.
        Assert.Equal([3, 1], first.RunLengths);
        Assert.Equal([2, 1], second.RunLengths);
        byte[] buffer = new byte[4096];
        for (int i = 0; i <= datagrams.Length; i++)
        {
            using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.Default);
            int n = await receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            byte[] expected = i < datagrams.Length ? AddingSeal.Apply(datagrams[i], seals[i]) : AddingSeal.Apply(oversize, second);
            Assert.Equal(expected, buffer[..n]);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task SendBatch_BetweenTwoKcpSockets_GsoRunsAreSplitBackIntoDatagrams(string backend)
    {
        using UdpSocket sender = Bind(Parse(backend));
        using UdpSocket receiver = Bind(Parse(backend));
        var handler = new RecordingHandler();
        receiver.StartReceiving(handler, dedicatedLoops: 1);
        SocketAddress to = receiver.LocalEndPoint.Serialize();
        byte[][] datagrams = Datagrams();

        // Three flushes of one batch: it survives reuse.
        var batch = new SendBatch();
        for (int round = 0; round < 3; round++)
        {
            foreach (byte[] datagram in datagrams)
            {
                batch.Add(sender, datagram, to);
            }

            batch.Flush();
        }

        List<(byte[] Data, IPEndPoint From)> received = await handler.WaitForAsync(3 * datagrams.Length);
        Assert.Equal(
            Enumerable.Repeat(datagrams, 3).SelectMany(d => d).Select(d => PipeTransfer.Sha256(d)).Order(),
            received.Select(r => PipeTransfer.Sha256(r.Data)).Order());
        Assert.All(received, r => Assert.Equal(sender.LocalEndPoint.Port, r.From.Port));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task SendBatch_MoreThanCapacity_FlushesWhenFullAndAtTheEnd(string backend)
    {
        using UdpSocket socket = Bind(Parse(backend));
        var handler = new RecordingHandler();
        using UdpSocket receiver = Bind(Parse(backend));
        receiver.StartReceiving(handler, dedicatedLoops: 1);
        SocketAddress to = receiver.LocalEndPoint.Serialize();
        int count = SendBatch.Capacity * 2 + 5;

        SendAll(socket, Enumerable.Range(0, count).Select(BitConverter.GetBytes), to);

        List<(byte[] Data, IPEndPoint From)> received = await handler.WaitForAsync(count);
        Assert.Equal(Enumerable.Range(0, count), received.Select(r => BitConverter.ToInt32(r.Data)).Order());
        Assert.Equal(socket.Backend == KcpSocketBackend.Portable ? count : 3, socket.SendSystemCalls);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Dispose_StopsEveryReceiveLoop(string backend)
    {
        UdpSocket socket = Bind(Parse(backend));
        socket.StartReceiving(new RecordingHandler(), dedicatedLoops: 3);
        UdpSocket client = Bind(Parse(backend));
        client.StartReceiving(new RecordingHandler(), dedicatedLoops: 0);

        socket.Dispose();
        client.Dispose();

        await socket.Completion.DefaultTimeout();
        await client.Completion.DefaultTimeout();
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Session_EchoOverEachStrategy_DeliversIntactAndBatchesSends(string backend)
    {
        KcpOptions options = new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(30), SocketBackend = Parse(backend), SendWindow = 512, ReceiveWindow = 512 }
            .ApplyPreset(KcpPreset.Fast3);
        options.Crypt = "aes";
        options.Key = "batch";
        options.DataShards = 10;
        options.ParityShards = 3;
        await using var listener = KcpListener.Bind(Loopback, options);
        Task server = Task.Run(async () =>
        {
            KcpSession session = (await listener.AcceptAsync())!;
            await session.Input.CopyToAsync(session.Output);
        });
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        byte[] data = PipeTransfer.RandomBytes(2 << 20, seed: 5);

        Task write = PipeTransfer.WriteAllAsync(client.Output, data, chunk: 64 * 1024);
        byte[] echoed = await PipeTransfer.ReadExactlyAsync(client.Input, data.Length).DefaultTimeout();
        await write.DefaultTimeout();

        Assert.Equal(PipeTransfer.Sha256(data), PipeTransfer.Sha256(echoed));
        KcpCounters counters = listener.Counters;
        Assert.True(counters.OutPackets > data.Length / 1400, $"{counters.OutPackets} datagrams sent");
        UdpSocket socket = listener.Socket;
        if (socket.Backend == KcpSocketBackend.Portable)
        {
            Assert.Equal(counters.OutPackets, socket.SendSystemCalls);
        }
        else
        {
            // A flush's segments and their parity leave together: far fewer calls than datagrams.
            Assert.True(socket.SendSystemCalls * 2 < counters.OutPackets, $"{socket.SendSystemCalls} calls for {counters.OutPackets} datagrams");
        }
    }

    /// <summary>A stand-in seal that adds a constant to every byte, and records the runs it was given.</summary>
    private sealed class AddingSeal(byte delta) : IDeferredSeal
    {
        private readonly byte _delta = delta;

        public List<int> RunLengths { get; } = [];

        public int Calls => RunLengths.Count;

        public static byte[] Apply(byte[] datagram, IDeferredSeal? seal)
            => seal is AddingSeal adding ? [.. datagram.Select(b => (byte)(b + adding._delta))] : datagram;

        public void Finish(Span<byte> region, int stride, ReadOnlySpan<int> lengths)
        {
            RunLengths.Add(lengths.Length);
            for (int k = 0; k < lengths.Length; k++)
            {
                foreach (ref byte b in region.Slice(k * stride, lengths[k]))
                {
                    b += _delta;
                }
            }
        }
    }

    private sealed class RecordingHandler : IDatagramReceiver
    {
        private readonly ConcurrentQueue<(byte[] Data, IPEndPoint From)> _received = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void OnDatagram(Span<byte> datagram, SocketAddress remote, ReceiveTurn turn)
        {
            _received.Enqueue((datagram.ToArray(), remote.ToIPEndPoint()));
            _signal.Release();
        }

        public async Task<List<(byte[] Data, IPEndPoint From)>> WaitForAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(await _signal.WaitAsync(TaskTimeoutExtensions.Default), $"only {i} of {count} datagrams arrived");
            }

            return [.. _received];
        }
    }
}
