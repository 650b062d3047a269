using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests;

/// <summary>A real Kestrel on loopback with one KCP endpoint (port 0) and, optionally, one TCP endpoint (port 0).</summary>
internal sealed class KcpTestHost : IAsyncDisposable
{
    private KcpTestHost(WebApplication app)
    {
        App = app;
        Factory = app.Services.GetRequiredService<KcpTransportFactory>();
    }

    public WebApplication App { get; }

    public KcpTransportFactory Factory { get; }

    /// <summary>The bound KCP address (real port).</summary>
    public IPEndPoint KcpEndPoint => Factory.BoundEndPoints[0].IPEndPoint;

    /// <summary>The bound TCP address as an http URL.</summary>
    public Uri TcpAddress
    {
        get
        {
            ICollection<string> addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.Single(a => !a.Contains("://kcp:/", StringComparison.Ordinal)));
        }
    }

    /// <summary>
    /// Builds and starts the app. <paramref name="listenKcp"/> configures the KCP endpoint (null: HTTP/1.1);
    /// <paramref name="configureKcp"/> gives it its own settings; <paramref name="mapApp"/> adds HTTP endpoints.
    /// </summary>
    public static async Task<KcpTestHost> StartAsync(
        Action<ListenOptions>? listenKcp = null,
        Action<KcpOptions>? configureKcp = null,
        Action<WebApplication>? mapApp = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        bool withTcp = true)
    {
        WebApplication app = Build(listenKcp, configureKcp, mapApp, configureBuilder, withTcp);
        try
        {
            await app.StartAsync().DefaultTimeout();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new KcpTestHost(app);
    }

    public static WebApplication Build(
        Action<ListenOptions>? listenKcp = null,
        Action<KcpOptions>? configureKcp = null,
        Action<WebApplication>? mapApp = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        bool withTcp = true)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;

            // KCP first: hosts that publish the last address as a base URL then pick TCP.
            if (configureKcp is null)
            {
                kestrel.ListenKcp(IPAddress.Loopback, 0, listenKcp);
            }
            else
            {
                kestrel.ListenKcp(IPAddress.Loopback, 0, configureKcp, listenKcp);
            }

            if (withTcp)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
        });
        configureBuilder?.Invoke(builder);
        WebApplication app = builder.Build();
        mapApp?.Invoke(app);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync().DefaultTimeout();
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
