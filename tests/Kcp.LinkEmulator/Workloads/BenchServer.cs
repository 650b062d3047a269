using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.LinkEmulator.Workloads;

/// <summary>
/// The Kestrel app every workload talks to, run in namespace B: HTTP (/ping, /bytes/{n}) and the hub (/hub, over
/// WebSockets) on TCP 8080, gRPC on TCP 8081 (h2c), and the same over KCP, one HTTP, one raw hub and one gRPC port per
/// <see cref="KcpConfig"/>.
/// Prints "ready" once listening. Usage: server [--address 10.77.0.2]
/// </summary>
internal static class BenchServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        IPAddress address = IPAddress.Parse(args.Length >= 2 && args[0] == "--address" ? args[1] : "10.77.0.2");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        builder.Services.AddGrpc();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, KcpConfig.TcpPort);
            kestrel.Listen(address, KcpConfig.TcpGrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            foreach (KcpConfig config in KcpConfig.All)
            {
                kestrel.ListenKcp(config.HttpEndPoint(address), config.Configure);
                kestrel.ListenKcp(config.HubEndPoint(address), config.Configure, listen => listen.UseHub<EchoHub>());
                kestrel.ListenKcp(config.GrpcEndPoint(address), config.Configure, listen => listen.Protocols = HttpProtocols.Http2);
                kestrel.ListenKcp(config.PositionEndPoint(address), config.Configure, listen => listen.UseConnectionHandler<PositionServer>());
            }
        });

        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/ping", () => "pong");
        app.MapGet("/bytes/{count:long}", WriteBytesAsync);
        app.MapHub<EchoHub>("/hub");
        app.MapGrpcService<StreamEchoService>();
        await app.StartAsync();
        Console.WriteLine("ready");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task WriteBytesAsync(HttpContext context, long count)
    {
        byte[] chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);   // incompressible, should anything compress
        context.Response.ContentLength = count;
        context.Response.ContentType = "application/octet-stream";
        for (long left = count; left > 0; left -= chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), context.RequestAborted);
        }
    }

    /// <summary>Echoes each message to its sender with the time it arrived (one monotonic clock for the whole machine).</summary>
    internal sealed class EchoHub : Hub
    {
        public Task Send(long sentAt, string payload) =>
            Clients.Caller.SendAsync("Echo", sentAt, Stopwatch.GetTimestamp(), payload);
    }
}
