using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests;

/// <summary>Registration (UseKcp, ListenKcp), published addresses and log events of a real host.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task UseKcp_WebApplication_RegistersKcpNextToSockets()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync();

        IConnectionListenerFactory[] factories = [.. host.App.Services.GetServices<IConnectionListenerFactory>()];

        Assert.Contains(factories, f => f is SocketTransportFactory);
        Assert.Contains(factories, f => ReferenceEquals(f, host.Factory));
    }

    [Fact]
    public async Task UseKcp_BeforeUseKestrel_TcpEndPointsStillBind()
    {
        // The TryAdd pitfall: a plain host builder where UseKcp runs before UseKestrel registers Sockets.
        using IHost host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseKcp()
                .UseKestrel(kestrel =>
                {
                    kestrel.ListenKcp(IPAddress.Loopback, 0);
                    kestrel.Listen(IPAddress.Loopback, 0);
                })
                .Configure(app => app.Run(context => context.Response.WriteAsync("tcp ok"))))
            .ConfigureServices(services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)))
            .Build();

        await host.StartAsync().DefaultTimeout();
        try
        {
            string tcp = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => !a.Contains("://kcp:/", StringComparison.Ordinal));
            using var client = new HttpClient { Timeout = TestTimeouts.Default };

            Assert.Equal("tcp ok", await client.GetStringAsync(tcp).DefaultTimeout());
            Assert.Single(host.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints);
        }
        finally
        {
            await host.StopAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task ServerAddresses_KcpEndPointOnPortZero_ListedAsKcpHostLikeUnixSockets_AndLoggedAsItsKcpUrl()
    {
        var logs = new CapturingLoggerProvider();
        await using KcpTestHost host = await KcpTestHost.StartAsync(configureBuilder: b => b.Logging.AddProvider(logs));
        int port = host.KcpEndPoint.Port;

        ICollection<string> addresses = host.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;

        // What Kestrel logs as "Now listening on:": marked in the host part, as http://unix:/path and http://pipe:/name
        // are, so it cannot be taken for a TCP address; it still parses as a Uri (hosts parse every address).
        Assert.NotEqual(0, port);
        string kcp = Assert.Single(addresses, a => a.Contains("kcp", StringComparison.Ordinal));
        Assert.Equal($"http://kcp:/127.0.0.1:{port}", kcp);
        Assert.Equal("kcp", new Uri(kcp).Host);
        Assert.Single(addresses, a => a == host.TcpAddress.ToString().TrimEnd('/'));

        // Our own line beside it, with the endpoint's kcp:// URL.
        Assert.Contains(("ListenerStarted", $"Now listening on: kcp://127.0.0.1:{port} (KCP over UDP)"), logs.Messages);
    }

    [Fact]
    public async Task ListenKcp_WithEndPointSettings_StartsFromTheConfiguredDefaults()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            configureKcp: kcp => kcp.SendWindow = 64,
            configureBuilder: b => b.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Kcp:Defaults:Mtu", "1200")]));

        KcpOptions options = Assert.Single(host.Factory.BoundEndPoints).Options!;

        Assert.Equal(1200, options.Mtu);
        Assert.Equal(64, options.SendWindow);
    }

    [Fact]
    public async Task Logging_HostLifecycle_LogsListenerAndConnectionEventsByName()
    {
        var logs = new CapturingLoggerProvider();
        KcpTestHost host = await KcpTestHost.StartAsync(
            mapApp: app => app.MapGet("/", () => "ok"),
            configureBuilder: b => b.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        using (var client = new HttpClient(KcpHttpHandler.Create(host.KcpEndPoint)) { Timeout = TestTimeouts.Default })
        {
            Assert.Equal("ok", await client.GetStringAsync("http://kcp.test/").DefaultTimeout());
        }

        await host.DisposeAsync();

        Assert.True(logs.Contains("ListenerStarted"));
        Assert.True(logs.Contains("ConnectionAccepted"));
        Assert.True(logs.Contains("ListenerUnbound"));
        Assert.True(logs.Contains("ListenerDisposed"));
        Assert.True(logs.Contains("ConnectionDisposed"));
    }
}
