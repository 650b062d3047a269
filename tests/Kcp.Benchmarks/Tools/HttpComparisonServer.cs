using System.Net;
using Kcp.AspNetCore;
using Kcp.Benchmarks.Tools.Grpc;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// One Kestrel app for the `http` tool: the same endpoints (GET /small, GET /large, the Bench gRPC service) on TCP and
/// on one KCP endpoint per <see cref="HttpComparisonTarget"/> profile, each as an HTTP/1.1 and an HTTP/2 (h2c) listener,
/// so both transports share the server, its thread pool and its GC.
/// </summary>
internal sealed class HttpComparisonServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<(string Name, KcpOptions? Kcp, ListenOptions Http1, ListenOptions Http2)> _listeners = [];

    private HttpComparisonServer(WebApplication app) => _app = app;

    public static async Task<HttpComparisonServer> StartAsync(IReadOnlyList<(string Name, KcpOptions? Kcp)> profiles)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<BenchPayloads>();
        builder.WebHost.UseKcp();
        var listeners = new List<(string, KcpOptions?, ListenOptions, ListenOptions)>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach ((string name, KcpOptions? kcp) in profiles)
            {
                ListenOptions? http1 = null, http2 = null;
                foreach (HttpProtocols protocols in (ReadOnlySpan<HttpProtocols>)[HttpProtocols.Http1, HttpProtocols.Http2])
                {
                    void Configure(ListenOptions listen)
                    {
                        listen.Protocols = protocols;
                        if (protocols == HttpProtocols.Http1)
                        {
                            http1 = listen;
                        }
                        else
                        {
                            http2 = listen;
                        }
                    }

                    if (kcp is null)
                    {
                        kestrel.Listen(IPAddress.Loopback, 0, Configure);
                    }
                    else
                    {
                        kestrel.ListenKcp(new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 0), kcp.Clone()), Configure);
                    }
                }

                listeners.Add((name, kcp, http1!, http2!));
            }
        });

        WebApplication app = builder.Build();
        BenchPayloads payloads = app.Services.GetRequiredService<BenchPayloads>();
        app.MapGet("/small", (HttpContext context) => Write(context, payloads.Small));
        app.MapGet("/large", (HttpContext context) => Write(context, payloads.Large));
        app.MapGrpcService<BenchService>();
        await app.StartAsync().ConfigureAwait(false);
        var server = new HttpComparisonServer(app);
        server._listeners.AddRange(listeners);
        return server;
    }

    /// <summary>One client target per profile: where its HTTP/1.1 and h2c listeners are and how to dial them.</summary>
    public IReadOnlyList<HttpComparisonTarget> Targets()
    {
        // Kestrel binds the listeners in the order they were declared, and the factory lists KCP endpoints in bind order.
        IReadOnlyList<KcpEndPoint> bound = _app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints;
        int next = 0;
        var targets = new List<HttpComparisonTarget>();
        foreach ((string name, KcpOptions? kcp, ListenOptions http1, ListenOptions http2) in _listeners)
        {
            if (kcp is null)
            {
                targets.Add(new HttpComparisonTarget(name, null, (IPEndPoint)http1.EndPoint, (IPEndPoint)http2.EndPoint));
            }
            else
            {
                targets.Add(new HttpComparisonTarget(name, kcp, bound[next].IPEndPoint, bound[next + 1].IPEndPoint));
                next += 2;
            }
        }

        return targets;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static Task Write(HttpContext context, byte[] body)
    {
        context.Response.ContentLength = body.Length;
        context.Response.ContentType = "application/octet-stream";
        return context.Response.Body.WriteAsync(body).AsTask();
    }
}
