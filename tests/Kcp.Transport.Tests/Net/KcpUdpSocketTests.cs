using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// The socket layer on each I/O strategy: portable (one call per datagram), Linux recvmmsg/sendmmsg, and the same
/// with GSO/GRO. Where batching is impossible (not Linux) the strategy resolves to portable and the tests still hold.
/// </summary>
public sealed class KcpUdpSocketTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    public static TheoryData<string> Strategies => new() { "Portable", "Batch", "Offload" };

    private static KcpSocketIo Parse(string io) => Enum.Parse<KcpSocketIo>(io);

    private static KcpUdpSocket Bind(KcpSocketIo io, IPEndPoint? at = null)
        => KcpUdpSocket.Bind(at ?? Loopback, new KcpOptions { SocketIo = io }, new KcpCounters(), NullLogger.Instance);

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
    public void ResolveIo_FollowsThePlatform()
    {
        Assert.Equal(KcpSocketIo.Portable, KcpUdpSocket.ResolveIo(KcpSocketIo.Portable));
        KcpSocketIo expected = OperatingSystem.IsLinux() ? KcpSocketIo.Batch : KcpSocketIo.Portable;
        Assert.Equal(expected, KcpUdpSocket.ResolveIo(KcpSocketIo.Batch));
        Assert.Equal(OperatingSystem.IsLinux(), LinuxUdp.IsSupported);
    }

    [Fact]
    public void Offload_OnLinux_EnablesGsoAndGroOnListenerSocketsOnly()
    {
        using KcpUdpSocket socket = Bind(KcpSocketIo.Offload);
        using KcpUdpSocket dialed = Bind(KcpSocketIo.Offload);
        socket.StartReceiving(new RecordingHandler(), loops: 1);
        dialed.StartReceiving(new RecordingHandler(), loops: 1, dedicatedThreads: false);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(KcpSocketIo.Portable, socket.Io);
            return;
        }

        // Linux >= 5.0 has both; this asserts that our probes and setsockopt calls are right.
        Assert.Equal(KcpSocketIo.Offload, socket.Io);
        Assert.True(socket.GsoEnabled);
        Assert.True(socket.GroEnabled);
        Assert.True(dialed.GsoEnabled);
        Assert.False(dialed.GroEnabled);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Receive_DatagramsFromPlainSocket_ArriveWholeWithSourceAddress(string io)
    {
        using KcpUdpSocket socket = Bind(Parse(io));
        var handler = new RecordingHandler();
        socket.StartReceiving(handler, loops: 2);
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
    [MemberData(nameof(Strategies))]
    public async Task SendInScope_ToPlainSocket_EveryDatagramArrivesSeparatelyInOrder(string io)
    {
        using KcpUdpSocket socket = Bind(Parse(io));
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.ReceiveBufferSize = 1 << 20;
        receiver.Bind(Loopback);
        SocketAddress to = receiver.LocalEndPoint!.Serialize();
        byte[][] datagrams = Datagrams();

        using (SendBatchScope.Enter())
        {
            foreach (byte[] datagram in datagrams)
            {
                socket.Send(datagram, to);
            }
        }

        byte[] buffer = new byte[2048];
        for (int i = 0; i < datagrams.Length; i++)
        {
            using var timeout = new CancellationTokenSource(TaskTimeoutExtensions.Default);
            int n = await receiver.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.Equal(datagrams[i], buffer[..n]);
        }

        long calls = socket.SendSystemCalls;
        if (socket.Io == KcpSocketIo.Portable)
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
    [MemberData(nameof(Strategies))]
    public async Task SendInScope_BetweenTwoKcpSockets_GsoRunsAreSplitBackIntoDatagrams(string io)
    {
        using KcpUdpSocket sender = Bind(Parse(io));
        using KcpUdpSocket receiver = Bind(Parse(io));
        var handler = new RecordingHandler();
        receiver.StartReceiving(handler, loops: 1);
        SocketAddress to = receiver.LocalEndPoint.Serialize();
        byte[][] datagrams = Datagrams();

        // Three scopes: the batch survives reuse on one thread.
        for (int round = 0; round < 3; round++)
        {
            using SendBatchScope scope = SendBatchScope.Enter();
            foreach (byte[] datagram in datagrams)
            {
                sender.Send(datagram, to);
            }
        }

        List<(byte[] Data, IPEndPoint From)> received = await handler.WaitForAsync(3 * datagrams.Length);
        Assert.Equal(
            Enumerable.Repeat(datagrams, 3).SelectMany(d => d).Select(d => PipeTransfer.Sha256(d)).Order(),
            received.Select(r => PipeTransfer.Sha256(r.Data)).Order());
        Assert.All(received, r => Assert.Equal(sender.LocalEndPoint.Port, r.From.Port));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Send_MoreThanOneBatch_FlushesWhenFullAndAtScopeEnd(string io)
    {
        using KcpUdpSocket socket = Bind(Parse(io));
        var handler = new RecordingHandler();
        using KcpUdpSocket receiver = Bind(Parse(io));
        receiver.StartReceiving(handler, loops: 1);
        SocketAddress to = receiver.LocalEndPoint.Serialize();
        int count = SendBatch.Capacity * 2 + 5;

        using (SendBatchScope.Enter())
        {
            for (int i = 0; i < count; i++)
            {
                socket.Send(BitConverter.GetBytes(i), to);
            }
        }

        List<(byte[] Data, IPEndPoint From)> received = await handler.WaitForAsync(count);
        Assert.Equal(Enumerable.Range(0, count), received.Select(r => BitConverter.ToInt32(r.Data)).Order());
        Assert.Equal(socket.Io == KcpSocketIo.Portable ? count : 3, socket.SendSystemCalls);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Dispose_StopsEveryReceiveLoop(string io)
    {
        KcpUdpSocket socket = Bind(Parse(io));
        socket.StartReceiving(new RecordingHandler(), loops: 3);
        KcpUdpSocket client = Bind(Parse(io));
        client.StartReceiving(new RecordingHandler(), loops: 1, dedicatedThreads: false);

        socket.Dispose();
        client.Dispose();

        await socket.Completion.DefaultTimeout();
        await client.Completion.DefaultTimeout();
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Session_EchoOverEachStrategy_DeliversIntactAndBatchesSends(string io)
    {
        KcpOptions options = new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(30), SocketIo = Parse(io), SendWindow = 512, ReceiveWindow = 512 }
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
        KcpUdpSocket socket = ((IKcpSessionOwner)listener).Socket;
        if (socket.Io == KcpSocketIo.Portable)
        {
            Assert.Equal(counters.OutPackets, socket.SendSystemCalls);
        }
        else
        {
            // A flush's segments and their parity leave together: far fewer calls than datagrams.
            Assert.True(socket.SendSystemCalls * 2 < counters.OutPackets, $"{socket.SendSystemCalls} calls for {counters.OutPackets} datagrams");
        }
    }

    private sealed class RecordingHandler : IDatagramHandler
    {
        private readonly ConcurrentQueue<(byte[] Data, IPEndPoint From)> _received = new();
        private readonly SemaphoreSlim _signal = new(0);

        public void OnDatagram(Span<byte> datagram, SocketAddress remote)
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
