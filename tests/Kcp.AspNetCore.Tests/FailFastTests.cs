using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// Failures surface as errors within about a round trip plus a second, not at the idle timeout: a restarted server,
/// a wrong key, a cancelled request to a dead server. The time bounds here catch hangs; they are generous on purpose
/// (each was 38 s to 60 s before).
/// </summary>
public sealed class FailFastTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static void Aes(KcpOptions options, string key = "fail fast")
    {
        options.Crypt = "aes";
        options.Key = key;
        options.ApplyPreset(KcpPreset.Fast3);
    }

    [Fact]
    public async Task HttpClient_ServerRestartedOnTheSamePort_NextRequestSucceedsOnANewConnection()
    {
        // Arrange: the client reaches the server through a relay that can swallow what the server sends, so that the
        // first server dies without a word, as a killed process does.
        bool serverMuted = false;
        int port = FreeUdpPort();
        await using WebApplication first = await StartAsync(port, "first");
        await using var relay = new UdpFaultRelay(
            new IPEndPoint(IPAddress.Loopback, port),
            new RelayFaults { DropWhen = (toServer, _) => !toServer && Volatile.Read(ref serverMuted) },
            seed: 1);
        var options = new KcpOptions();
        Aes(options);
        using var client = new HttpClient(KcpHttpHandler.Create(relay.EndPoint, options)) { BaseAddress = new Uri("http://kcp/") };
        Assert.Equal("first", await client.GetStringAsync("/").DefaultTimeout());
        Volatile.Write(ref serverMuted, true);
        await first.StopAsync().DefaultTimeout();
        await using WebApplication second = await StartAsync(port, "second");
        Volatile.Write(ref serverMuted, false);

        // Act: the pooled connection's session is unknown to the second server.
        var clock = Stopwatch.StartNew();
        string answer = await client.GetStringAsync("/").DefaultTimeout();

        // Assert
        Assert.Equal("second", answer);
        Assert.True(clock.Elapsed < Prompt, $"the retried request took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task HttpClient_WrongKey_FailsAfterTheConnectTimeoutNamingTheLikelyCauses()
    {
        // Arrange
        int port = FreeUdpPort();
        await using WebApplication server = await StartAsync(port, "unreachable");
        var options = new KcpOptions { ConnectTimeout = TimeSpan.FromSeconds(1) };
        Aes(options, key: "not the server's key");
        using var client = new HttpClient(KcpHttpHandler.Create(new IPEndPoint(IPAddress.Loopback, port), options)) { BaseAddress = new Uri("http://kcp/") };

        // Act
        var clock = Stopwatch.StartNew();
        HttpRequestException failed = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/").DefaultTimeout());

        // Assert
        Assert.True(clock.Elapsed < Prompt, $"the failure took {clock.Elapsed.TotalSeconds:0.0} s");
        var closed = Assert.IsType<KcpSessionClosedException>(Innermost(failed));
        Assert.Equal(KcpCloseReason.ConnectTimeout, closed.Reason);
        Assert.Contains("KcpOptions.ConnectTimeout", closed.Message, StringComparison.Ordinal);
        Assert.Contains("Crypt 'aes'", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpClient_RequestCancelledWhileTheServerIsDead_ReturnsPromptly()
    {
        // Arrange: a "server" that takes every datagram and answers none.
        using var dead = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        dead.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new KcpOptions();
        Aes(options);
        using var client = new HttpClient(KcpHttpHandler.Create((IPEndPoint)dead.LocalEndPoint!, options)) { BaseAddress = new Uri("http://kcp/") };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        // Act
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetStringAsync("/", cancel.Token).DefaultTimeout());

        // Assert: cancellation aborts; LingerTimeout (5 s) only governs a graceful close.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the cancelled request returned after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A Kestrel with one KCP endpoint on <paramref name="port"/> answering every request with <paramref name="name"/>.</summary>
    private static async Task<WebApplication> StartAsync(int port, string name)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, port, options => Aes(options)));
        WebApplication app = builder.Build();
        app.MapGet("/", () => name);
        await app.StartAsync().DefaultTimeout();
        return app;
    }
}
