using System.Diagnostics;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace Kcp.AspNetCore.Tests.Fallback;

/// <summary>
/// SignalR's <c>WithKcp(endPoint, fallbackUrl)</c> on a real server that serves the hub over KCP and over HTTP: with
/// UDP silently dropped the hub connection runs over WebSockets and its first message arrives well before KCP's own
/// connect timeout; with UDP working every connection is KCP and the fallback is never dialed; once UDP comes back,
/// new connections return to KCP when the remembered fallback expires.
/// </summary>
public sealed class HubFallbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UdpBlocked_FirstMessageGoesOverWebSockets_WellBeforeConnectTimeout_AndTheKcpSessionIsClosed()
    {
        // Arrange: the KCP endpoint behind a path that drops every datagram.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHub, blocked: true);
        await using var kcp = new KcpConnectionFactory(FallbackTestServer.Kcp());
        var selected = new TaskCompletionSource<IKcpTransportSelectionFeature>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using HubConnection hub = new HubConnectionBuilder()
            .WithKcp(new KcpEndPoint(path.EndPoint, FallbackTestServer.Kcp()), kcp, server.HubUrl, o => o.OnTransportSelected = s => selected.TrySetResult(s))
            .Build();

        // Act
        var clock = Stopwatch.StartNew();
        await hub.StartAsync().DefaultTimeout();
        TimeSpan started = clock.Elapsed;
        string echoed = await hub.InvokeAsync<string>("Echo", "first").DefaultTimeout();
        TimeSpan firstMessage = clock.Elapsed;
        IKcpTransportSelectionFeature selection = await selected.Task.DefaultTimeout();
        output.WriteLine($"UDP blocked: StartAsync {started.TotalMilliseconds:0} ms, first message back {firstMessage.TotalMilliseconds:0} ms, decided after {selection.DecisionTime.TotalMilliseconds:0} ms; KCP datagrams dropped: {path.Dropped}");

        // Assert: WebSockets carries it, as both ends see it, long before KCP would give up (ConnectTimeout 5 s);
        // KCP did try, and its session is closed (no leak).
        Assert.Equal("first", echoed);
        Assert.Equal("websockets", selection.Transport);
        Assert.True(selection.IsFallback);
        Assert.False(selection.IsRemembered);
        Assert.Equal("websockets", await hub.InvokeAsync<string>("Transport").DefaultTimeout());
        Assert.True(firstMessage < TimeSpan.FromSeconds(3), $"The first message took {firstMessage}.");
        Assert.True(path.Dropped > 0, "KCP never sent anything.");
        await Eventually.TrueAsync(() => kcp.OpenConnections == 0, "the losing KCP connection is closed");
        Assert.Empty(server.Transport.GetActiveSessions());
    }

    [Fact]
    public async Task UdpWorking_TwentyConnections_AllUseKcp_AndTheFallbackIsNeverDialed()
    {
        // Arrange
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var kcp = new KcpConnectionFactory(FallbackTestServer.Kcp());
        var transports = new List<string?>();
        var decisions = new List<double>();

        // Act
        for (int i = 0; i < 20; i++)
        {
            IKcpTransportSelectionFeature? selection = null;
            await using HubConnection hub = new HubConnectionBuilder()
                .WithKcp(new KcpEndPoint(server.KcpHub, FallbackTestServer.Kcp()), kcp, server.HubUrl, o => o.OnTransportSelected = s => selection = s)
                .Build();
            await hub.StartAsync().DefaultTimeout();
            Assert.Equal("kcp", await hub.InvokeAsync<string>("Transport").DefaultTimeout());
            transports.Add(selection?.Transport);
            decisions.Add(selection?.DecisionTime.TotalMilliseconds ?? double.NaN);
            await hub.StopAsync().DefaultTimeout();
        }

        output.WriteLine($"decided after (ms): {string.Join(", ", decisions.Select(d => d.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");

        // Assert: KCP every time, decided by the server's answer, and no negotiate request ever reached the HTTP endpoint.
        Assert.All(transports, t => Assert.Equal("kcp", t));
        Assert.Equal(0, server.Negotiations);
        Assert.Equal(0, kcp.FallbackMemory.Count);
    }

    [Fact]
    public async Task UdpComesBack_RememberedFallbackUntilItExpires_ThenKcpAgain()
    {
        // Arrange: three hub connections sharing one KCP factory (so one memory of fallbacks) and a clock the test moves.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHub, blocked: true);
        await using var kcp = new KcpConnectionFactory(FallbackTestServer.Kcp());
        var time = new JumpingTimeProvider();
        async Task<IKcpTransportSelectionFeature> ConnectAsync()
        {
            var selected = new TaskCompletionSource<IKcpTransportSelectionFeature>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using HubConnection hub = new HubConnectionBuilder()
                .WithKcp(new KcpEndPoint(path.EndPoint, FallbackTestServer.Kcp()), kcp, server.HubUrl, o =>
                {
                    o.TimeProvider = time;
                    o.OnTransportSelected = s => selected.TrySetResult(s);
                })
                .Build();
            await hub.StartAsync().DefaultTimeout();
            Assert.Equal("first", await hub.InvokeAsync<string>("Echo", "first").DefaultTimeout());
            return await selected.Task.DefaultTimeout();
        }

        // Act
        IKcpTransportSelectionFeature blocked = await ConnectAsync();
        path.Blocked = false;
        IKcpTransportSelectionFeature remembered = await ConnectAsync();
        time.Jump(KcpFallbackOptions.DefaultRememberFallbackFor + TimeSpan.FromSeconds(1));
        IKcpTransportSelectionFeature back = await ConnectAsync();

        // Assert: the race fell back; the next connection went straight to WebSockets (no race, no head start) although
        // UDP works again; once the memory expired the race ran again and KCP won.
        Assert.Equal(("websockets", false), (blocked.Transport, blocked.IsRemembered));
        Assert.Equal(("websockets", true), (remembered.Transport, remembered.IsRemembered));
        Assert.True(remembered.DecisionTime < KcpFallbackOptions.DefaultHeadStart, $"A remembered fallback waited {remembered.DecisionTime}.");
        Assert.Equal(("kcp", false), (back.Transport, back.IsRemembered));
        Assert.Equal(0, kcp.FallbackMemory.Count);
    }

    [Fact]
    public async Task UdpBlockedAndFallbackDown_StartFails_AfterKcpGivesUp_WithBothCauses()
    {
        // Arrange: UDP dropped and nothing listening at the fallback URL.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHub, blocked: true);
        var deadUrl = new Uri($"http://127.0.0.1:{FreeTcpPort()}/hub");
        KcpOptions quick = FallbackTestServer.Kcp(connectTimeout: TimeSpan.FromSeconds(1));
        await using HubConnection hub = new HubConnectionBuilder()
            .WithKcp(new KcpEndPoint(path.EndPoint, quick), deadUrl, configureHttpConnection: o => o.Transports = HttpTransportType.WebSockets)
            .Build();

        // Act
        var clock = Stopwatch.StartNew();
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync().DefaultTimeout());

        // Assert: not a hang, and the message names both transports' failures.
        output.WriteLine($"failed after {clock.Elapsed.TotalMilliseconds:0} ms: {error.Message}");
        Assert.Contains("Neither KCP nor the fallback connected", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void WithKcp_InvalidFallbackSettings_ThrowWhileBuilding_NamingTheSetting()
    {
        var builder = new HubConnectionBuilder();

        var headStart = Assert.Throws<ArgumentException>(() => builder.WithKcp(new IPEndPoint(IPAddress.Loopback, 1), new Uri("http://127.0.0.1/hub"), o => o.HeadStart = TimeSpan.FromSeconds(-1)));
        var remember = Assert.Throws<ArgumentException>(() => builder.WithKcp(new IPEndPoint(IPAddress.Loopback, 1), new Uri("http://127.0.0.1/hub"), o => o.RememberFallbackFor = TimeSpan.FromDays(2)));
        var url = Assert.Throws<ArgumentException>(() => builder.WithKcp(new IPEndPoint(IPAddress.Loopback, 1), new Uri("/hub", UriKind.Relative)));

        Assert.Contains("KcpFallbackOptions.HeadStart must be between 0 and 10 seconds", headStart.Message, StringComparison.Ordinal);
        Assert.Contains("KcpFallbackOptions.RememberFallbackFor must be between 0 and 1 day", remember.Message, StringComparison.Ordinal);
        Assert.Contains("absolute http:// or https:// URL", url.Message, StringComparison.Ordinal);
    }
}
