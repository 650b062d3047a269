using ChatHubSample.Stats;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;

namespace ChatHub.Tests.Sample;

public sealed class KcpStatsSamplerTests
{
    [Fact]
    public async Task Sample_CountersGrow_RatesAreTheDeltasOverTheInterval()
    {
        // Arrange
        var registry = new KcpConnectionRegistry();
        var sampler = new KcpStatsSampler(registry);
        var session = new FakeSession { Statistics = new KcpSessionStatistics { SmoothedRtt = 10, Counters = new() { BytesReceived = 1_000, RetransmittedSegments = 2 } } };
        var release = new TaskCompletionSource();
        Task running = Open(registry, "c1", session, release.Task);
        sampler.Sample();
        session.Statistics = session.Statistics with { SmoothedRtt = 30, Counters = session.Statistics.Counters with { BytesReceived = 501_000, RetransmittedSegments = 7, FecRecovered = 3 } };

        // Act
        KcpStatsSample sample = sampler.Sample();

        // Assert: rates are positive and bounded by delta / (a tiny interval); totals and RTT are the current values.
        Assert.Equal(1, sample.ActiveSessions);
        Assert.Equal(30, sample.AverageRttMs);
        Assert.Equal(30, sample.MaxRttMs);
        Assert.Equal(7, sample.RetransmittedSegments);
        Assert.Equal(3, sample.FecRecovered);
        Assert.True(sample.BytesInPerSecond > 0);
        Assert.True(sample.RetransmitsPerSecond > 0);
        Assert.Equal(0, sample.BytesOutPerSecond);
        release.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sample_SessionClosedBetweenSamples_NoNegativeRates()
    {
        // Arrange
        var registry = new KcpConnectionRegistry();
        var sampler = new KcpStatsSampler(registry);
        var busy = new FakeSession { Statistics = new KcpSessionStatistics { Counters = new() { BytesSent = 10_000_000, OutSegments = 9_000 } } };
        var release = new TaskCompletionSource();
        Task running = Open(registry, "busy", busy, release.Task);
        sampler.Sample();
        release.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        // Act
        KcpStatsSample sample = sampler.Sample();

        // Assert
        Assert.Equal(0, sample.ActiveSessions);
        Assert.Equal(0, sample.BytesOutPerSecond);
        Assert.Equal(0, sample.SegmentsOutPerSecond);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task GetReport_AfterSamples_HistoryIsBoundedAndLatestIsLast()
    {
        // Arrange
        var registry = new KcpConnectionRegistry();
        var sampler = new KcpStatsSampler(registry);
        var release = new TaskCompletionSource();
        Task running = Open(registry, "c1", new FakeSession { Statistics = new KcpSessionStatistics { SmoothedRtt = 12 } }, release.Task);
        KcpStatsSample last = null!;
        for (int i = 0; i < KcpStatsSampler.HistoryLength + 5; i++)
        {
            last = sampler.Sample();
        }

        // Act
        KcpStatsReport report = sampler.GetReport();

        // Assert
        Assert.Equal(KcpStatsSampler.HistoryLength, report.History.Count);
        Assert.Same(last, report.Latest);
        KcpSessionReport only = Assert.Single(report.Sessions);
        Assert.Equal(("c1", 12, 42u), (only.ConnectionId, only.RttMs, only.Conversation));
        release.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Track_ConnectionWithoutKcpFeature_IsCountedButNotSampled()
    {
        // Arrange: the registry sits on the KCP endpoint only, but a non-KCP connection must not break sampling.
        var registry = new KcpConnectionRegistry();
        var sampler = new KcpStatsSampler(registry);
        var release = new TaskCompletionSource();
        var connection = new DefaultConnectionContext("plain");
        Task running = registry.Track(_ => release.Task)(connection);

        // Act
        KcpStatsSample sample = sampler.Sample();

        // Assert
        Assert.Equal(1, registry.Count);
        Assert.Equal(0, sample.ActiveSessions);
        release.SetResult();
        await running.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static Task Open(KcpConnectionRegistry registry, string id, FakeSession session, Task until)
    {
        var connection = new DefaultConnectionContext(id);
        connection.Features.Set<IKcpSessionFeature>(session);
        return registry.Track(_ => until)(connection);
    }

    private sealed class FakeSession : IKcpSessionFeature
    {
        public KcpSessionStatistics Statistics { get; set; }

        public uint Conversation => 42;

        public KcpCloseReason CloseReason => KcpCloseReason.None;

        public TimeSpan SmoothedRtt => TimeSpan.FromMilliseconds(Statistics.SmoothedRtt);

        public TimeSpan RttVariance => TimeSpan.Zero;

        public TimeSpan RetransmissionTimeout => TimeSpan.Zero;

        public int SendWindow => 0;

        public int ReceiveWindow => 0;

        public int RemoteWindow => 0;

        public int InFlight => 0;

        public long RetransmittedSegments => Statistics.Counters.RetransmittedSegments;

        public KcpSessionStatistics GetStatistics() => Statistics;
    }
}
