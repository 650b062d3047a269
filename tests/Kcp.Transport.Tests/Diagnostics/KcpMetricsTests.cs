using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kcp.Transport.Fec;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Kcp.Transport.Tests.Diagnostics;

/// <summary>
/// The Kcp.Transport meter and snapshots in controlled scenarios: exact counts for exactly chosen faults. Each test has
/// its own meter factory, so tests running in parallel never mix their measurements.
/// </summary>
public sealed class KcpMetricsTests : IDisposable
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task BadDatagrams_WithCrypt_CountChecksumAndDecryptDropsExactly()
    {
        var options = new KcpOptions { Crypt = "aes", Key = "secret" };
        await using KcpListener listener = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        using var checksum = Collector("kcp.datagrams.checksum_errors");
        using var dropped = Collector("kcp.datagrams.dropped");
        using var received = Collector("kcp.udp.datagrams.received");

        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        byte[] garbage = new byte[64];
        new Random(7).NextBytes(garbage);
        raw.SendTo(garbage, listener.LocalEndPoint);      // a full-size datagram whose CRC cannot match
        raw.SendTo(new byte[5], listener.LocalEndPoint);   // too short to hold the nonce and CRC
        await WaitUntilAsync(() => listener.GetMetricsSnapshot().DroppedDatagrams == 2);

        KcpMetricsSnapshot snapshot = listener.GetMetricsSnapshot();
        Assert.Equal(1, snapshot.InChecksumErrors);
        Assert.Equal(1, snapshot.InErrors);
        Assert.Equal(2, snapshot.DroppedDatagrams);
        Assert.Equal(0, snapshot.PassiveOpens);
        Assert.Equal(1, Observe(checksum, ListenerTags(listener)));
        Assert.Equal(2, Observe(received, ListenerTags(listener)));
        Assert.Equal(1, Observe(dropped, [.. ListenerTags(listener), ("kcp.drop.reason", "checksum")]));
        Assert.Equal(1, Observe(dropped, [.. ListenerTags(listener), ("kcp.drop.reason", "decrypt")]));
        Assert.Equal(["checksum", "decrypt"], ReportedReasons(dropped, ListenerTags(listener)));   // not 16 more zeros
    }

    [Fact]
    public async Task Drops_AReasonIsReportedFromItsFirstDropOn_AndStaysReported()
    {
        // Arrange
        var options = new KcpOptions { Crypt = "aes", Key = "secret" };
        await using KcpListener listener = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        using var dropped = Collector("kcp.datagrams.dropped");
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        // Act / Assert: nothing dropped yet, no series at all.
        Assert.Empty(ReportedReasons(dropped, ListenerTags(listener)));

        raw.SendTo(new byte[5], listener.LocalEndPoint);
        await WaitUntilAsync(() => listener.GetMetricsSnapshot().DroppedDatagrams == 1);
        Assert.Equal(["decrypt"], ReportedReasons(dropped, ListenerTags(listener)));

        // Collected again with no new drop, the series is still there (a missing series would read as a reset).
        Assert.Equal(["decrypt"], ReportedReasons(dropped, ListenerTags(listener)));
        Assert.Equal(1, Observe(dropped, [.. ListenerTags(listener), ("kcp.drop.reason", "decrypt")]));

        raw.SendTo(new byte[64], listener.LocalEndPoint);
        await WaitUntilAsync(() => listener.GetMetricsSnapshot().DroppedDatagrams == 2);
        Assert.Equal(["checksum", "decrypt"], ReportedReasons(dropped, ListenerTags(listener)));
    }

    [Fact]
    public async Task Drops_OfAClient_StayReportedAfterTheClientClosed()
    {
        // Arrange
        await using KcpListener listener = KcpListener.Bind(Loopback, new KcpOptions(), meterFactory: _meters);
        using var dropped = Collector("kcp.datagrams.dropped");
        using var errors = Collector("kcp.udp.errors");
        KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, new KcpOptions(), loggerFactory: null, _meters);
        Assert.Empty(ReportedReasons(dropped, ("kcp.role", "client")));
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        // Act: a datagram from an address the client did not dial.
        stranger.SendTo(new byte[32], new IPEndPoint(IPAddress.Loopback, client.LocalEndPoint.Port));
        using (var guard = new CancellationTokenSource(HangGuard))
        {
            while (Observe(dropped, ("kcp.role", "client"), ("kcp.drop.reason", "unexpected_source")) == 0)
            {
                await Task.Delay(10, guard.Token);
            }
        }

        await client.DisposeAsync();

        // Assert: the closed client's drops are kept in the client series, which therefore does not disappear.
        Assert.Equal(["unexpected_source"], ReportedReasons(dropped, ("kcp.role", "client")));
        Assert.Equal(1, Observe(dropped, ("kcp.role", "client"), ("kcp.drop.reason", "unexpected_source")));
        Assert.Equal(1, Observe(errors, ("kcp.role", "client")));   // kcp-go counts it in InErrs too
    }

    [Fact]
    public async Task EventCounters_ReportNoZeroSeries_TrafficCountersDo()
    {
        // Arrange: one session without FEC, crypto or faults.
        await using KcpListener listener = KcpListener.Bind(Loopback, new KcpOptions(), meterFactory: _meters);
        string[] events = ["kcp.udp.errors", "kcp.datagrams.checksum_errors", "kcp.segments.input_errors", "kcp.sessions.reset", "kcp.fec.recovered", "kcp.fec.errors", "kcp.fec.parity_shards", "kcp.fec.short_shards", "kcp.datagrams.dropped"];
        string[] traffic = ["kcp.udp.datagrams.received", "kcp.udp.sent", "kcp.segments.retransmitted", "kcp.payload.received", "kcp.sessions.opened"];
        var collectors = events.Concat(traffic).ToDictionary(name => name, Collector);
        using var disposeCollectors = new CollectorsDisposer(collectors.Values);
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, new KcpOptions(), loggerFactory: null, _meters);
        await client.Output.WriteAsync("hello"u8.ToArray());
        KcpSession? server = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);
        Assert.NotNull(server);
        await PipeTransfer.ReadExactlyAsync(server.Input, 5).WaitAsync(HangGuard);

        // Act
        foreach (MetricCollector<long> collector in collectors.Values)
        {
            collector.RecordObservableInstruments();
        }

        // Assert: the healthy link reports traffic for both roles (0 retransmissions included), and no event series.
        Assert.All(events, name => Assert.Empty(collectors[name].GetMeasurementSnapshot()));
        Assert.All(traffic, name => Assert.Equal(["client", "listener"], collectors[name].GetMeasurementSnapshot().Select(m => (string)m.Tags["kcp.role"]!).Distinct().Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task TwoListeners_OneMeter_AreToldApartByTheirEndpointTags()
    {
        var options = new KcpOptions { Crypt = "aes", Key = "secret" };
        await using KcpListener hit = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        await using KcpListener quiet = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        using var checksum = Collector("kcp.datagrams.checksum_errors");
        using var received = Collector("kcp.udp.datagrams.received");
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        raw.SendTo(new byte[64], hit.LocalEndPoint);
        await WaitUntilAsync(() => hit.GetMetricsSnapshot().InChecksumErrors == 1);

        Assert.Equal(1, Observe(checksum, ListenerTags(hit)));
        Assert.Equal(1, Observe(received, ListenerTags(hit)));
        Assert.Equal(0, Observe(received, ListenerTags(quiet)));
        received.GetMeasurementSnapshot(clear: true);
        received.RecordObservableInstruments();
        Assert.Equal(2, received.GetMeasurementSnapshot().Count);   // one series per listener, no client series
        checksum.GetMeasurementSnapshot(clear: true);
        checksum.RecordObservableInstruments();
        Assert.Single(checksum.GetMeasurementSnapshot());           // an error counter: only where errors occurred
    }

    [Fact]
    public async Task Sessions_OpenedAndClosed_ActiveSessionsReturnToZero()
    {
        using var active = Collector("kcp.sessions.active");
        using var duration = new MetricCollector<double>(_meters, KcpMetrics.MeterName, "kcp.session.duration");
        using var opened = Collector("kcp.sessions.opened");
        using var peak = Collector("kcp.sessions.peak");
        await using KcpListener listener = KcpListener.Bind(Loopback, new KcpOptions(), meterFactory: _meters);

        var clients = new List<KcpSession>();
        for (int i = 0; i < 3; i++)
        {
            KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, new KcpOptions(), loggerFactory: null, _meters);
            await client.Output.WriteAsync(new byte[] { (byte)i });
            KcpSession? accepted = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);
            Assert.NotNull(accepted);
            clients.Add(client);
        }

        Assert.Equal(3, SumUpDown(active, "listener"));
        Assert.Equal(3, SumUpDown(active, "client"));
        Assert.Equal(3, Observe(peak, ListenerTags(listener)));
        Assert.Equal(3, Observe(opened, ListenerTags(listener)));
        Assert.Equal(3, Observe(opened, ("kcp.role", "client")));

        foreach (KcpSession client in clients)
        {
            await client.DisposeAsync();
        }

        // The close notices end the accepted sessions too.
        await WaitUntilAsync(() => listener.SessionCount == 0);
        Assert.Equal(0, SumUpDown(active, "listener"));
        Assert.Equal(0, SumUpDown(active, "client"));
        Assert.Equal(6, duration.GetMeasurementSnapshot().Count);
        Assert.Equal(3, duration.GetMeasurementSnapshot().Count(m => Equals(m.Tags["kcp.close.reason"], "local_close")));
        Assert.Equal(3, duration.GetMeasurementSnapshot().Count(m => Equals(m.Tags["kcp.close.reason"], "remote_close")));

        KcpMetricsSnapshot snapshot = listener.GetMetricsSnapshot();
        Assert.Equal(3, snapshot.PassiveOpens);
        Assert.Equal(0, snapshot.CurrentEstablished);
        Assert.Equal(3, snapshot.MaxConnections);
        Assert.Equal(3, snapshot.BytesReceived);   // closed sessions stay counted
    }

    [Fact]
    public async Task Retransmission_FirstDatagramDropped_OneRetransmissionMoreThanRepeats()
    {
        await using KcpListener listener = KcpListener.Bind(Loopback, new KcpOptions(), meterFactory: _meters);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, new RelayFaults { DropWhen = (toServer, index) => toServer && index == 0 }, seed: 1);
        using var retransmitted = Collector("kcp.segments.retransmitted");
        using var lost = Collector("kcp.segments.lost");
        using var repeated = Collector("kcp.segments.repeated");

        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, new KcpOptions(), loggerFactory: null, _meters);
        await client.Output.WriteAsync("hello"u8.ToArray());
        KcpSession? server = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);
        Assert.NotNull(server);
        Assert.Equal("hello"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(server.Input, 5).WaitAsync(HangGuard));
        await WaitUntilAsync(() => client.GetStatistics().InFlight == 0);

        // One datagram was lost, so exactly one retransmission was needed; on a loaded machine the ACK of that one
        // may come after the RTO, and every further retransmission then reaches the server as a repeat.
        await WaitUntilAsync(() => client.GetStatistics().Counters.RetransmittedSegments == 1 + server.GetStatistics().Counters.RepeatSegments);
        KcpSessionStatistics stats = client.GetStatistics();
        long repeats = server.GetStatistics().Counters.RepeatSegments;
        Assert.Equal(1, relay.Dropped);
        Assert.Equal(stats.Counters.RetransmittedSegments, stats.Counters.LostSegments);   // a single segment: only timeouts, no fast resend
        Assert.Equal(0, stats.Counters.FastRetransmittedSegments + stats.Counters.EarlyRetransmittedSegments);
        Assert.Equal(1 + repeats, Observe(retransmitted, ("kcp.role", "client")));
        Assert.Equal(1 + repeats, Observe(lost, ("kcp.role", "client")));
        Assert.Equal(repeats, Observe(repeated, ListenerTags(listener)));
        Assert.Equal(0, Observe(retransmitted, ListenerTags(listener)));
    }

    [Fact]
    public async Task RedundantCopies_FirstDatagramDropped_TheNextCarriesItsCopyAndIsCounted()
    {
        var options = new KcpOptions { RedundantCopies = 1 };
        await using KcpListener listener = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, new RelayFaults { DropWhen = (toServer, index) => toServer && index == 0 }, seed: 1);
        using var copied = Collector("kcp.segments.copied");

        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options, loggerFactory: null, _meters);
        await client.Output.WriteAsync("a"u8.ToArray());
        await WaitUntilAsync(() => relay.Dropped == 1);
        await client.Output.WriteAsync("b"u8.ToArray());
        KcpSession? server = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);

        Assert.NotNull(server);
        Assert.Equal("ab"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(server.Input, 2).WaitAsync(HangGuard));
        long copies = client.GetStatistics().Counters.CopiedSegments;
        Assert.True(copies >= 1, $"copies: {copies}");
        Assert.Equal(copies, Observe(copied, ("kcp.role", "client")));
    }

    [Fact]
    public async Task Fec_SecondDataShardDropped_IsRecoveredWithoutRetransmission()
    {
        // The last data shard of a group is dropped, so no later segment is acknowledged before the parity rebuilds
        // it and no fast or early retransmission can race the recovery. The relay drops by content, not by index: on
        // a loaded machine an RTO retransmission can take a shard slot and shift the groups, so the test aligns the
        // group with acknowledged fillers and tries again with a new target if a late retransmission still moved it.
        var options = new KcpOptions { DataShards = 2, ParityShards = 1, AckNoDelay = true };
        const int groupSize = 3;
        long lastClientShard = -1;
        byte[]? target = null;
        bool targetSeen = false;
        bool dropped = false;
        bool DropFirstTargetIfSecondShard(bool toServer, byte[] datagram)
        {
            if (!toServer || BinaryPrimitives.ReadUInt16LittleEndian(datagram.AsSpan(4)) != FecPacket.TypeData)
            {
                return false;
            }

            uint seqid = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            Volatile.Write(ref lastClientShard, seqid);
            if (target is null || targetSeen || !datagram.AsSpan(FecPacket.HeaderSizePlus2 + KcpSegmentHeader.Size).SequenceEqual(target))
            {
                return false;
            }

            targetSeen = true;
            dropped = seqid % groupSize == 1;
            return dropped;
        }

        await using KcpListener listener = KcpListener.Bind(Loopback, options, meterFactory: _meters);
        await using var relay = new UdpFaultRelay(listener.LocalEndPoint, new RelayFaults { DropDatagram = DropFirstTargetIfSecondShard }, seed: 1);
        using var recovered = Collector("kcp.fec.recovered");
        using var parity = Collector("kcp.fec.parity_shards");
        using var retransmitted = Collector("kcp.segments.retransmitted");

        await using KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options, loggerFactory: null, _meters);
        var sent = new List<byte>();
        async Task SendAndWaitForAckAsync(byte[] message)
        {
            long before = client.GetStatistics().Counters.OutSegments;
            await client.Output.WriteAsync(message);
            sent.AddRange(message);
            await WaitUntilAsync(() => client.GetStatistics().Counters.OutSegments > before && client.GetStatistics().InFlight == 0);
        }

        for (int attempt = 0; attempt < 5 && !Volatile.Read(ref dropped); attempt++)
        {
            // Acknowledged fillers until the next data shard is the second of its group, then the target as shard 1
            // (dropped) followed by the group's parity.
            await SendAndWaitForAckAsync("one"u8.ToArray());
            while (Volatile.Read(ref lastClientShard) % groupSize != 0)
            {
                await SendAndWaitForAckAsync("."u8.ToArray());
            }

            Volatile.Write(ref target, Encoding.ASCII.GetBytes($"two{attempt}"));
            targetSeen = false;
            await SendAndWaitForAckAsync(target);
        }

        KcpSession? server = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);
        Assert.NotNull(server);
        Assert.Equal(sent.ToArray(), await PipeTransfer.ReadExactlyAsync(server.Input, sent.Count).WaitAsync(HangGuard));

        // FEC rebuilt the lost shard, so any retransmission (an ACK slower than the RTO on a loaded machine) was a repeat.
        await WaitUntilAsync(() => client.GetStatistics().Counters.RetransmittedSegments == server.GetStatistics().Counters.RepeatSegments);
        Assert.True(dropped);
        Assert.Equal(1, server.GetStatistics().Counters.FecRecovered);
        Assert.Equal(1, Observe(recovered, ListenerTags(listener)));
        Assert.True(Observe(parity, ListenerTags(listener)) >= 1);
        Assert.Equal(server.GetStatistics().Counters.RepeatSegments, Observe(retransmitted, ("kcp.role", "client")));
        Assert.Equal(1, listener.GetMetricsSnapshot().FecRecovered);
        Assert.Equal(1, relay.Dropped);
    }

    [Fact]
    public async Task GetSnapshot_ProcessWide_KeepsClosedListenersAndSessions()
    {
        KcpMetricsSnapshot before = KcpMetrics.GetSnapshot();
        await using (KcpListener listener = KcpListener.Bind(Loopback))
        {
            await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint);
            await client.Output.WriteAsync(new byte[100]);
            KcpSession? server = await listener.AcceptAsync().AsTask().WaitAsync(HangGuard);
            Assert.NotNull(server);
            await PipeTransfer.ReadExactlyAsync(server.Input, 100).WaitAsync(HangGuard);
        }

        // Other tests run in parallel and only add to the process totals.
        KcpMetricsSnapshot after = KcpMetrics.GetSnapshot();
        Assert.True(after.PassiveOpens - before.PassiveOpens >= 1);
        Assert.True(after.ActiveOpens - before.ActiveOpens >= 1);
        Assert.True(after.BytesReceived - before.BytesReceived >= 100);
        Assert.True(after.InSegments - before.InSegments >= 2);
        Assert.True(after.MaxConnections >= 2);
    }

    private sealed class CollectorsDisposer(IEnumerable<MetricCollector<long>> collectors) : IDisposable
    {
        public void Dispose()
        {
            foreach (MetricCollector<long> collector in collectors)
            {
                collector.Dispose();
            }
        }
    }

    private MetricCollector<long> Collector(string instrument) => new(_meters, KcpMetrics.MeterName, instrument);

    private static (string Key, object Value)[] ListenerTags(KcpListener listener) =>
        [("kcp.role", "listener"), ("server.port", listener.LocalEndPoint.Port)];

    /// <summary>Observes the observable instrument now and returns the value of the series with these tags (0 if absent).</summary>
    private static long Observe(MetricCollector<long> collector, params (string Key, object Value)[] tags)
    {
        collector.RecordObservableInstruments();
        CollectedMeasurement<long>? last = collector.GetMeasurementSnapshot()
            .LastOrDefault(m => tags.All(t => m.Tags.TryGetValue(t.Key, out object? v) && Equals(v, t.Value)));
        return last?.Value ?? 0;
    }

    /// <summary>Observes the drop counter now and returns the reasons it reported for the series with these tags, sorted.</summary>
    private static string[] ReportedReasons(MetricCollector<long> dropped, params (string Key, object Value)[] tags)
    {
        dropped.GetMeasurementSnapshot(clear: true);
        dropped.RecordObservableInstruments();
        return [.. dropped.GetMeasurementSnapshot()
            .Where(m => tags.All(t => m.Tags.TryGetValue(t.Key, out object? v) && Equals(v, t.Value)))
            .Select(m => (string)m.Tags["kcp.drop.reason"]!)
            .Order(StringComparer.Ordinal)];
    }

    private static long SumUpDown(MetricCollector<long> collector, string role) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kcp.role"], role)).Sum(m => m.Value);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }
}
