using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Kcp.AspNetCore.Tests;

/// <summary><c>AddHealthChecks().AddKcp()</c> and the hosted meter: statuses on thresholds, figures in the data.</summary>
public sealed class KcpHealthCheckTests
{
    [Fact]
    public async Task AddKcp_EndpointBound_IsHealthyWithFigures()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(configureBuilder: b => b.Services.AddHealthChecks().AddKcp());

        HealthReportEntry entry = await CheckAsync(host);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(1, entry.Data["endpoints"]);
        Assert.Equal(0L, entry.Data["sessions"]);
        Assert.Equal(10_000, entry.Data[host.Factory.BoundEndPoints[0] + ":max_sessions"]);
    }

    [Fact]
    public async Task AddKcp_SessionsNearAndAtLimit_DegradedThenUnhealthy()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            configureKcp: o => o.MaxSessions = 2,
            configureBuilder: b => b.Services.AddHealthChecks().AddKcp(o => o.SessionLimitDegradedRatio = 0.5),
            withTcp: false);
        await using var client = new KcpConnectionFactory();

        await using ConnectionContext first = await OpenSessionAsync(host, client, expected: 1);
        HealthReportEntry near = await CheckAsync(host);
        await using ConnectionContext second = await OpenSessionAsync(host, client, expected: 2);
        HealthReportEntry full = await CheckAsync(host);

        Assert.Equal(HealthStatus.Degraded, near.Status);
        Assert.Contains("near its session limit", near.Description);
        Assert.Equal(HealthStatus.Unhealthy, full.Status);
        Assert.Contains("at its session limit (2 of 2)", full.Description);
        Assert.Equal(2, full.Data[host.Factory.BoundEndPoints[0] + ":sessions"]);
    }

    [Fact]
    public async Task AddKcp_ChecksumFailuresAboveRatio_DegradedWithTheRatio()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            configureKcp: o => (o.Crypt, o.Key) = ("aes", "secret"),
            configureBuilder: b => b.Services.AddHealthChecks().AddKcp(o => o.MinimumSamples = 10),
            withTcp: false);
        using var raw = new Socket(host.KcpEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        byte[] garbage = new byte[64];
        new Random(3).NextBytes(garbage);

        for (int i = 0; i < 10; i++)
        {
            raw.SendTo(garbage, host.KcpEndPoint);
        }

        await WaitUntilAsync(() => host.Factory.GetMetricsSnapshot().InChecksumErrors == 10);
        HealthReportEntry bad = await CheckAsync(host);
        HealthReportEntry after = await CheckAsync(host);   // nothing new since: the ratio is not judged

        Assert.Equal(HealthStatus.Degraded, bad.Status);
        Assert.Equal(1.0, bad.Data["checksum_error_ratio"]);
        Assert.Equal(10L, bad.Data["checksum_errors"]);
        Assert.Equal(HealthStatus.Healthy, after.Status);
        Assert.False(after.Data.ContainsKey("checksum_error_ratio"));
    }

    [Fact]
    public async Task AddKcp_NoEndpointBound_Unhealthy()
    {
        KcpTestHost host = await KcpTestHost.StartAsync(configureBuilder: b => b.Services.AddHealthChecks().AddKcp());
        HealthCheckService health = host.App.Services.GetRequiredService<HealthCheckService>();
        await host.App.StopAsync().DefaultTimeout();
        try
        {
            HealthReport report = await health.CheckHealthAsync().DefaultTimeout();

            Assert.Equal(HealthStatus.Unhealthy, report.Entries["kcp"].Status);
            Assert.Equal("No KCP endpoint is bound.", report.Entries["kcp"].Description);
        }
        finally
        {
            await host.App.DisposeAsync();
        }
    }

    [Fact]
    public void AddKcp_InvalidThreshold_ThrowsNamingTheSetting()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddHealthChecks().AddKcp(o => o.MaxRetransmissionRatio = 2));

        Assert.Contains("KcpHealthCheckOptions.MaxRetransmissionRatio", error.Message);
    }

    [Fact]
    public async Task UseKcp_Hosted_MeterComesFromTheHostsMeterFactory()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(withTcp: false);
        IMeterFactory meters = host.App.Services.GetRequiredService<IMeterFactory>();
        using var active = new MetricCollector<long>(meters, KcpMetrics.MeterName, "kcp.sessions.active");
        using var received = new MetricCollector<long>(meters, KcpMetrics.MeterName, "kcp.payload.received");
        await using var client = new KcpConnectionFactory();

        await using ConnectionContext connection = await OpenSessionAsync(host, client, expected: 1);
        received.RecordObservableInstruments();

        CollectedMeasurement<long> opened = Assert.Single(active.GetMeasurementSnapshot());
        Assert.Equal(1, opened.Value);
        Assert.Equal("listener", opened.Tags["kcp.role"]);
        Assert.Equal(host.KcpEndPoint.Port, opened.Tags["server.port"]);
        Assert.Equal(1, received.LastMeasurement?.Value);
    }

    private static async Task<ConnectionContext> OpenSessionAsync(KcpTestHost host, KcpConnectionFactory client, int expected)
    {
        ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        await connection.Transport.Output.WriteAsync(new byte[] { (byte)'G' }).DefaultTimeout();
        await WaitUntilAsync(() => host.Factory.Listeners[0].Listener.SessionCount == expected
            && host.Factory.GetMetricsSnapshot().BytesReceived == expected);
        return connection;
    }

    private static async Task<HealthReportEntry> CheckAsync(KcpTestHost host)
    {
        HealthReport report = await host.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().DefaultTimeout();
        return report.Entries["kcp"];
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(TestTimeouts.Default);
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }
}
