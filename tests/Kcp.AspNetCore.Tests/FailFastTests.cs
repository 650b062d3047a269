using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
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
        // Arrange
        await using SilentRestart server = await SilentRestart.StartAsync(hub: false);
        var options = new KcpOptions();
        Aes(options);
        using var client = new HttpClient(KcpHttpHandler.Create(server.EndPoint, options)) { BaseAddress = new Uri("http://kcp/") };
        Assert.Equal("first", await client.GetStringAsync("/").DefaultTimeout());
        await server.RestartAsync();

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

    [Fact]
    public async Task SignalR_ServerRestartedOnTheSamePort_AutomaticReconnectReachesTheNewServer()
    {
        // Arrange
        await using SilentRestart server = await SilentRestart.StartAsync(hub: true);
        await using HubConnection hub = new HubConnectionBuilder()
            .WithKcp(server.EndPoint, options => Aes(options))
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)])
            .WithKeepAliveInterval(TimeSpan.FromSeconds(1))
            .Build();
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Reconnected += _ =>
        {
            reconnected.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync().DefaultTimeout();
        Assert.Equal("first", await hub.InvokeAsync<string>("Who").DefaultTimeout());

        // Act
        await server.RestartAsync();
        var clock = Stopwatch.StartNew();
        await reconnected.Task.DefaultTimeout();

        // Assert: the next ping met a reset, not the 30 s server timeout.
        Assert.True(clock.Elapsed < Prompt, $"reconnecting took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal("second", await hub.InvokeAsync<string>("Who").DefaultTimeout());
    }

    [Fact]
    public async Task ConnectionFactory_ServerRestarted_ReadFailsWithConnectionResetSayingReset()
    {
        // Arrange
        await using SilentRestart server = await SilentRestart.StartAsync(hub: false);
        var options = new KcpOptions();
        Aes(options);
        await using var factory = new KcpConnectionFactory(options);
        await using ConnectionContext connection = await factory.ConnectAsync(server.EndPoint).DefaultTimeout();
        await connection.Transport.Output.WriteAsync("GET / HTTP/1.1\r\nHost: kcp\r\n\r\n"u8.ToArray()).DefaultTimeout();
        System.IO.Pipelines.ReadResult response = await connection.Transport.Input.ReadAsync().DefaultTimeout();
        connection.Transport.Input.AdvanceTo(response.Buffer.End);
        await server.RestartAsync();

        // Act
        await connection.Transport.Output.WriteAsync("GET / HTTP/1.1\r\nHost: kcp\r\n\r\n"u8.ToArray()).DefaultTimeout();
        var clock = Stopwatch.StartNew();
        var reset = await Assert.ThrowsAsync<ConnectionResetException>(async () =>
        {
            while (true)
            {
                System.IO.Pipelines.ReadResult read = await connection.Transport.Input.ReadAsync().DefaultTimeout();
                connection.Transport.Input.AdvanceTo(read.Buffer.End);
            }
        });

        // Assert
        Assert.True(clock.Elapsed < Prompt, $"the reset took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(KcpCloseReason.Reset, Assert.IsType<KcpSessionClosedException>(reset.InnerException).Reason);
        Assert.Equal(KcpCloseReason.Reset, connection.Features.Get<IKcpSessionFeature>()!.CloseReason);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }

    /// <summary>
    /// A Kestrel with one KCP endpoint on <paramref name="port"/> that answers every HTTP request with
    /// <paramref name="name"/>, or, with <paramref name="hub"/>, serves <see cref="WhoHub"/>, which says it.
    /// </summary>
    private static async Task<WebApplication> StartAsync(int port, string name, bool hub = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSignalR();
        builder.Services.AddSingleton(new ServerName(name));
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, port, options => Aes(options), listen =>
        {
            if (hub)
            {
                listen.UseHub<WhoHub>();
            }
        }));
        WebApplication app = builder.Build();
        app.MapGet("/", () => name);
        await app.StartAsync().DefaultTimeout();
        return app;
    }

    private sealed record ServerName(string Value);

    /// <summary>Says which server the client reached.</summary>
    private sealed class WhoHub(ServerName name) : Hub
    {
        public string Who() => name.Value;
    }

    /// <summary>
    /// A server ("first") the client reaches through a relay that can swallow what the server sends, so that it dies
    /// without a word as a killed process does; <see cref="RestartAsync"/> puts a second server ("second") on its port.
    /// </summary>
    private sealed class SilentRestart : IAsyncDisposable
    {
        private readonly int _port;
        private readonly bool _hub;
        private readonly UdpFaultRelay _relay;
        private WebApplication _server;
        private bool _muted;

        private SilentRestart(int port, bool hub, WebApplication server)
        {
            _port = port;
            _hub = hub;
            _server = server;
            _relay = new UdpFaultRelay(
                new IPEndPoint(IPAddress.Loopback, port), new RelayFaults { DropWhen = (toServer, _) => !toServer && Volatile.Read(ref _muted) }, seed: port);
        }

        /// <summary>Where clients connect: the relay.</summary>
        public IPEndPoint EndPoint => _relay.EndPoint;

        public static async Task<SilentRestart> StartAsync(bool hub)
        {
            int port = FreeUdpPort();
            return new SilentRestart(port, hub, await FailFastTests.StartAsync(port, "first", hub));
        }

        /// <summary>The first server stops with its goodbyes swallowed; the second binds its port.</summary>
        public async Task RestartAsync()
        {
            Volatile.Write(ref _muted, true);
            await _server.StopAsync().DefaultTimeout();
            await _server.DisposeAsync();
            _server = await FailFastTests.StartAsync(_port, "second", _hub);
            Volatile.Write(ref _muted, false);
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            await _relay.DisposeAsync();
        }
    }
}
