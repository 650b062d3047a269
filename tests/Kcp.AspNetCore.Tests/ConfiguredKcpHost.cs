using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests;

/// <summary>A real Kestrel whose KCP endpoints come from configuration only (<c>Kcp:Endpoints</c>), as an app declares them.</summary>
internal static class ConfiguredKcpHost
{
    /// <summary>Builds (without starting) an app with <paramref name="settings"/> in its configuration and <c>UseKcp(configure)</c>.</summary>
    public static WebApplication Build(
        IEnumerable<KeyValuePair<string, string?>> settings,
        Action<KcpTransportOptions>? configure = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? mapApp = null,
        string? contentRoot = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = contentRoot });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKcp(configure);
        configureBuilder?.Invoke(builder);
        WebApplication app = builder.Build();
        mapApp?.Invoke(app);
        return app;
    }

    /// <summary>Builds and starts the app (disposed again if it does not start).</summary>
    public static async Task<WebApplication> StartAsync(
        IEnumerable<KeyValuePair<string, string?>> settings,
        Action<KcpTransportOptions>? configure = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? mapApp = null,
        string? contentRoot = null)
    {
        WebApplication app = Build(settings, configure, configureBuilder, mapApp, contentRoot);
        try
        {
            await app.StartAsync().DefaultTimeout();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>Stops and disposes <paramref name="app"/>, bounded.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        try
        {
            await app.StopAsync().DefaultTimeout();
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>The first bound KCP endpoint of <paramref name="app"/> (real port).</summary>
    public static KcpEndPoint BoundEndPoint(WebApplication app)
        => app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0];

    /// <summary>What a client dials to reach <paramref name="app"/>'s first endpoint: loopback, the real port, the endpoint's settings.</summary>
    public static KcpEndPoint ClientEndPoint(WebApplication app)
    {
        KcpEndPoint bound = BoundEndPoint(app);
        return new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, bound.IPEndPoint.Port), bound.Options);
    }

    /// <summary>Shorthand for a configuration entry.</summary>
    public static KeyValuePair<string, string?> Setting(string key, string? value) => new(key, value);
}
