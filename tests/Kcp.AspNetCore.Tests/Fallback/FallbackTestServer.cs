using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.AspNetCore.Tests.Fallback;

/// <summary>
/// One app served twice, as a server with a TCP fallback serves it: the hub raw on a KCP endpoint (<c>UseHub</c>) and
/// at /hub on a TCP endpoint (negotiate, WebSockets...), and the same HTTP endpoints over KCP and TCP. It counts the
/// negotiate requests it answered: a fallback that was never dialed made none.
/// </summary>
internal sealed class FallbackTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _negotiations;

    private FallbackTestServer(WebApplication app) => _app = app;

    /// <summary>The KCP settings of both ends.</summary>
    public static KcpOptions Kcp(TimeSpan? connectTimeout = null) => new() { Crypt = "aes-128-gcm", Key = "fallback tests", ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5) };

    /// <summary>The hub's KCP endpoint as bound.</summary>
    public IPEndPoint KcpHub => Transport.BoundEndPoints[0].IPEndPoint;

    /// <summary>The HTTP application's KCP endpoint as bound.</summary>
    public IPEndPoint KcpHttp => Transport.BoundEndPoints[1].IPEndPoint;

    /// <summary>The TCP endpoint's base address (http://127.0.0.1:port/).</summary>
    public Uri TcpBase { get; private set; } = null!;

    /// <summary>The hub's HTTP URL, the fallback.</summary>
    public Uri HubUrl => new(TcpBase, "/hub");

    /// <summary>Negotiate requests answered (each is one fallback dial).</summary>
    public int Negotiations => Volatile.Read(ref _negotiations);

    public KcpTransportFactory Transport => _app.Services.GetRequiredService<KcpTransportFactory>();

    public static async Task<FallbackTestServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSignalR();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenKcp(IPAddress.Loopback, 0, Configure, listen => listen.UseHub<FallbackHub>());
            kestrel.ListenKcp(IPAddress.Loopback, 0, Configure);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        WebApplication app = builder.Build();
        var server = new FallbackTestServer(app);
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/hub/negotiate", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref server._negotiations);
            }

            await next(context);
        });
        app.UseWebSockets();
        app.MapHub<FallbackHub>("/hub");
        app.MapGet("/", (HttpContext context) => Via(context));
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            return Results.Bytes(body.ToArray());
        });
        app.MapGet("/slow/{ms:int}", async (int ms, HttpContext context) =>
        {
            await Task.Delay(ms, context.RequestAborted);
            return Via(context);
        });
        await app.StartAsync().DefaultTimeout();
        string tcp = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => !a.Contains("://kcp:/", StringComparison.Ordinal));
        server.TcpBase = new Uri(tcp + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().DefaultTimeout();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    private static void Configure(KcpOptions options)
    {
        KcpOptions kcp = Kcp();
        options.Crypt = kcp.Crypt;
        options.Key = kcp.Key;
    }

    // What carried the request, as the server sees it.
    private static string Via(HttpContext context) => context.Features.Get<IKcpSessionFeature>() is null ? "tcp" : "kcp";

    /// <summary>Echoes, and tells which transport carries the caller as the server sees it.</summary>
    internal sealed class FallbackHub : Hub
    {
        public string Echo(string text) => text;

        public string Transport() => Context.Features.Get<IKcpSessionFeature>() is not null
            ? "kcp"
            : Context.Features.Get<IHttpTransportFeature>()?.TransportType.ToString().ToLowerInvariant() ?? "unknown";
    }
}
