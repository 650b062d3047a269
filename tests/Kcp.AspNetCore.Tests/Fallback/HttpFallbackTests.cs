using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Kcp.AspNetCore.Tests.Fallback;

/// <summary>
/// <see cref="KcpHttpHandler.CreateWithTcpFallback"/> on a real server serving the same endpoints over KCP and TCP:
/// requests go over TCP where UDP is dropped (a request larger than the kept first flight arrives whole), over KCP
/// where it works (also when the server takes longer than the head start to answer), and the choice is counted and
/// logged.
/// </summary>
public sealed class HttpFallbackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UdpBlocked_RequestsGoOverTcp_WellBeforeConnectTimeout()
    {
        // Arrange
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHttp, blocked: true);
        IKcpTransportSelectionFeature? selection = null;
        using var client = new HttpClient(KcpHttpHandler.CreateWithTcpFallback(path.EndPoint, FallbackTestServer.Kcp(), new KcpFallbackOptions { OnTransportSelected = s => selection = s }))
        {
            BaseAddress = server.TcpBase,
            Timeout = TestTimeouts.Default,
        };

        // Act
        var clock = Stopwatch.StartNew();
        string via = await client.GetStringAsync("/").DefaultTimeout();
        TimeSpan elapsed = clock.Elapsed;
        output.WriteLine($"UDP blocked: GET answered over {via} after {elapsed.TotalMilliseconds:0} ms (decided after {selection?.DecisionTime.TotalMilliseconds:0} ms); KCP datagrams dropped: {path.Dropped}");

        // Assert
        Assert.Equal("tcp", via);
        Assert.Equal(("tcp", true), (selection?.Transport, selection?.IsFallback ?? false));
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"The request took {elapsed}.");
        Assert.True(path.Dropped > 0, "KCP never sent anything.");
        Assert.Empty(server.Transport.GetActiveSessions());
    }

    [Fact]
    public async Task UdpBlocked_AFirstFlightLargerThanWhatIsKept_ArrivesWholeOverTcp()
    {
        // Arrange: a 300 KB POST as the connection's first bytes: KCP gets the first 64 KiB, then the request waits
        // for the decision; TCP gets the kept bytes replayed, then the rest.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHttp, blocked: true);
        using var client = new HttpClient(KcpHttpHandler.CreateWithTcpFallback(path.EndPoint, FallbackTestServer.Kcp())) { BaseAddress = server.TcpBase, Timeout = TestTimeouts.Default };
        byte[] body = RandomNumberGenerator.GetBytes(300_000);

        // Act
        using HttpResponseMessage response = await client.PostAsync("/echo", new ByteArrayContent(body)).DefaultTimeout();
        byte[] echoed = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task UdpWorking_EveryConnectionUsesKcp_EvenWhenTheServerAnswersAfterTheHeadStart()
    {
        // Arrange: no pooling, so each request is a connection and a race of its own.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        var selections = new List<IKcpTransportSelectionFeature>();
        SocketsHttpHandler handler = KcpHttpHandler.CreateWithTcpFallback(server.KcpHttp, FallbackTestServer.Kcp(), new KcpFallbackOptions { OnTransportSelected = s => { lock (selections) { selections.Add(s); } } });
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var client = new HttpClient(handler) { BaseAddress = server.TcpBase, Timeout = TestTimeouts.Default };

        // Act: 20 quick requests, then one the server answers only after a second (its KCP ACK came at once).
        var vias = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            vias.Add(await client.GetStringAsync("/").DefaultTimeout());
        }

        string slow = await client.GetStringAsync("/slow/1000").DefaultTimeout();

        // Assert
        Assert.All(vias, v => Assert.Equal("kcp", v));
        Assert.Equal("kcp", slow);
        lock (selections)
        {
            Assert.Equal(21, selections.Count);
            Assert.All(selections, s => Assert.Equal("kcp", s.Transport));
        }
    }

    [Fact]
    public async Task UdpComesBack_TcpRememberedUntilItExpires_ThenKcpAgain()
    {
        // Arrange: one handler (its memory of TCP wins), a connection per request, a clock the test moves.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHttp, blocked: true);
        var time = new JumpingTimeProvider();
        var selections = new List<IKcpTransportSelectionFeature>();
        SocketsHttpHandler handler = KcpHttpHandler.CreateWithTcpFallback(path.EndPoint, FallbackTestServer.Kcp(), new KcpFallbackOptions
        {
            TimeProvider = time,
            OnTransportSelected = s => { lock (selections) { selections.Add(s); } },
        });
        handler.PooledConnectionLifetime = TimeSpan.Zero;
        using var client = new HttpClient(handler) { BaseAddress = server.TcpBase, Timeout = TestTimeouts.Default };

        // Act
        string blocked = await client.GetStringAsync("/").DefaultTimeout();
        path.Blocked = false;
        string remembered = await client.GetStringAsync("/").DefaultTimeout();
        time.Jump(KcpFallbackOptions.DefaultRememberFallbackFor + TimeSpan.FromSeconds(1));
        string back = await client.GetStringAsync("/").DefaultTimeout();

        // Assert: TCP by race, TCP without racing while remembered (although UDP works again), then KCP by race.
        Assert.Equal(("tcp", "tcp", "kcp"), (blocked, remembered, back));
        lock (selections)
        {
            Assert.Equal([("tcp", false), ("tcp", true), ("kcp", false)], selections.Select(s => (s.Transport, s.IsRemembered)));
        }
    }

    [Fact]
    public async Task Selection_IsCountedByTransport_AndLogged()
    {
        // Arrange: one client through a blocked path, one straight to KCP, one meter of their own.
        await using FallbackTestServer server = await FallbackTestServer.StartAsync();
        await using var path = new UdpPath(server.KcpHttp, blocked: true);
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory meters = services.GetRequiredService<IMeterFactory>();
        using var connections = new MetricCollector<long>(meters, "Kcp.Transport", "kcp.client.connections");
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        using var blocked = new HttpClient(KcpHttpHandler.CreateWithTcpFallback(path.EndPoint, FallbackTestServer.Kcp(), null, loggerFactory, meters)) { BaseAddress = server.TcpBase, Timeout = TestTimeouts.Default };
        using var open = new HttpClient(KcpHttpHandler.CreateWithTcpFallback(server.KcpHttp, FallbackTestServer.Kcp(), null, loggerFactory, meters)) { BaseAddress = server.TcpBase, Timeout = TestTimeouts.Default };

        // Act
        Assert.Equal("tcp", await blocked.GetStringAsync("/").DefaultTimeout());
        Assert.Equal("kcp", await open.GetStringAsync("/").DefaultTimeout());

        // Assert
        IReadOnlyList<CollectedMeasurement<long>> counted = connections.GetMeasurementSnapshot();
        Assert.Equal(2, counted.Count);
        Assert.Contains(counted, m => m.Value == 1 && m.Tags["kcp.transport"] as string == "tcp" && m.Tags["kcp.selection"] as string == "race");
        Assert.Contains(counted, m => m.Value == 1 && m.Tags["kcp.transport"] as string == "kcp" && m.Tags["kcp.selection"] as string == "race");
        Assert.Contains(logs.Messages, m => m.EventName == "TransportFallback"
            && m.Message.StartsWith($"KCP to kcp://{path.EndPoint} did not answer within 250 ms: the connection uses tcp to 127.0.0.1:{server.TcpBase.Port}", StringComparison.Ordinal));
        Assert.Contains(logs.Messages, m => m.EventName == "TransportKcp" && m.Message.StartsWith($"Connection to kcp://{server.KcpHttp} uses KCP", StringComparison.Ordinal));
    }
}
