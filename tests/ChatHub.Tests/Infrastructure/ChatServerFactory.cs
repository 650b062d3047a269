using System.Net;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatHub.Tests.Infrastructure;

/// <summary>
/// The ChatHub sample on real Kestrel: the KCP hub on an ephemeral UDP port, the page and WebSocket hub on an
/// ephemeral TCP port. Both sides ping every second and the server drops a silent client after 6 s, so a vanished KCP peer is
/// found quickly (KCP itself has no FIN or RST).
/// </summary>
public sealed class ChatServerFactory : WebApplicationFactory<Program>
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    // KCP has no FIN: a client that just goes away is found by missing pings, so tests use a short client timeout.
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(6);

    public ChatServerFactory()
    {
        // Not UseKestrel(port): that discards the app's own Listen calls, the KCP endpoint included.
        UseKestrel();
    }

    /// <summary>The KCP hub endpoint as bound (the real port).</summary>
    public IPEndPoint KcpEndPoint => BoundKcpEndPoint.IPEndPoint;

    /// <summary>
    /// The KCP hub endpoint as a client dials it: the real port, and the settings (crypt, key, FEC) the sample's
    /// <c>Kcp:Endpoints:Chat</c> gives, as <c>GetKcpEndPoint("Chat")</c> reads them for the console client.
    /// </summary>
    public KcpEndPoint ClientEndPoint
        => new(KcpEndPoint, Services.GetRequiredService<IConfiguration>().GetKcpEndPoint("Chat").Options);

    private KcpEndPoint BoundKcpEndPoint
    {
        get
        {
            StartServer();
            IReadOnlyList<KcpEndPoint> bound = Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints;
            Assert.NotEmpty(bound);
            return bound[0];
        }
    }

    /// <summary>A hub connection over KCP, built with the extension under test.</summary>
    public HubConnection CreateKcpConnection(Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = new HubConnectionBuilder().WithKcp(ClientEndPoint).WithKeepAliveInterval(KeepAlive);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>A hub connection over WebSockets to the TCP endpoint, as the page makes.</summary>
    public HubConnection CreateWebSocketConnection()
    {
        StartServer();
        var url = new Uri(ClientOptions.BaseAddress, ChatHubSample.ChatHub.Path);
        return new HubConnectionBuilder()
            .WithUrl(url, HttpTransportType.WebSockets, options => options.SkipNegotiation = true)
            .WithKeepAliveInterval(KeepAlive)
            .Build();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The sample's own endpoints (appsettings.json), moved to free ports as an operator would move them.
        builder.UseSetting("Kcp:Endpoints:Chat:Url", "kcp://127.0.0.1:0");
        builder.UseSetting("Kestrel:Endpoints:Web:Url", "http://127.0.0.1:0");
        builder.ConfigureTestServices(services =>
        {
            services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
            services.Configure<HubOptions>(options =>
            {
                options.KeepAliveInterval = KeepAlive;
                options.ClientTimeoutInterval = ClientTimeout;
            });
        });
    }
}
