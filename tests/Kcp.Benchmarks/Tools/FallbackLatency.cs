using System.Diagnostics;
using System.Globalization;
using System.Net;
using Kcp.AspNetCore;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.Benchmarks.Tools;

/// <summary>
/// What the TCP fallback costs and saves (README, "When UDP is blocked"), on loopback, in one warm process: the time
/// from <c>StartAsync</c> (or the request) to the first answer, for a SignalR hub connection and an HttpClient
/// request, with UDP working and with the KCP port silently dropping every datagram (a relay in front of it), next to
/// KCP alone and TCP alone. Each row is --runs fresh connections (no remembered fallback unless the row says so),
/// after three warm-up runs; prints a Markdown table of medians, 90th percentiles and maxima, and the transports used.
/// Usage: fallback [--runs 15]
/// </summary>
internal static class FallbackLatency
{
    private static readonly KcpOptions Kcp = new() { Crypt = "aes-128-gcm", Key = "fallback latency" };

    public static async Task<int> RunAsync(string[] args)
    {
        int runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        await using WebApplication app = await StartServerAsync();
        IPEndPoint hubKcp = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0].IPEndPoint;
        IPEndPoint httpKcp = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[1].IPEndPoint;
        var tcp = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => !a.Contains("://kcp:/", StringComparison.Ordinal)) + "/");
        var hubUrl = new Uri(tcp, "/hub");
        bool blocked = false;
        await using var hubPath = new UdpFaultRelay(hubKcp, new RelayFaults { DropWhen = (_, _) => Volatile.Read(ref blocked) }, seed: 1);
        await using var httpPath = new UdpFaultRelay(httpKcp, new RelayFaults { DropWhen = (_, _) => Volatile.Read(ref blocked) }, seed: 1);
        await using var shared = new KcpConnectionFactory(Kcp);

        var rows = new (string Name, bool Blocked, Func<Task<string>> Run)[]
        {
            ("SignalR, KCP alone: WithKcp(endPoint)", false, () => HubAsync(b => b.WithKcp(new KcpEndPoint(hubPath.EndPoint, Kcp)))),
            ("SignalR, TCP alone: WithUrl(hub, WebSockets)", false, () => HubAsync(b => b.WithUrl(hubUrl, HttpTransportType.WebSockets))),
            ("SignalR with fallback, UDP working", false, () => HubAsync(b => b.WithKcp(new KcpEndPoint(hubPath.EndPoint, Kcp), hubUrl))),
            ("SignalR with fallback, UDP blocked", true, () => HubAsync(b => b.WithKcp(new KcpEndPoint(hubPath.EndPoint, Kcp), hubUrl))),
            ("SignalR with fallback, UDP blocked, fallback remembered", true, () => HubAsync(b => b.WithKcp(new KcpEndPoint(hubPath.EndPoint, Kcp), shared, hubUrl))),
            ("HttpClient, KCP alone: KcpHttpHandler.Create", false, () => GetAsync(KcpHttpHandler.Create(httpPath.EndPoint, Kcp), tcp)),
            ("HttpClient, TCP alone", false, () => GetAsync(new SocketsHttpHandler { UseProxy = false }, tcp)),
            ("HttpClient with fallback, UDP working", false, () => GetAsync(KcpHttpHandler.CreateWithTcpFallback(httpPath.EndPoint, Kcp), tcp)),
            ("HttpClient with fallback, UDP blocked", true, () => GetAsync(KcpHttpHandler.CreateWithTcpFallback(httpPath.EndPoint, Kcp), tcp)),
        };

        Console.WriteLine($"First answer after StartAsync (SignalR: handshake and one Invoke) or of a first request (HttpClient), on a new connection; {runs} runs, head start {KcpFallbackOptions.DefaultHeadStart.TotalMilliseconds:0} ms.");
        Console.WriteLine();
        Console.WriteLine("| connection | UDP | transport | median | p90 | max |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            Volatile.Write(ref blocked, row.Blocked);
            for (int i = 0; i < 3; i++)
            {
                await row.Run();
            }

            var times = new List<double>();
            var transports = new SortedSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                transports.Add(await row.Run());
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Name} | {(row.Blocked ? "dropped" : "works")} | {string.Join(", ", transports)} | {times[times.Count / 2]:0} ms | {times[(int)Math.Ceiling(0.9 * times.Count) - 1]:0} ms | {times[^1]:0} ms |"));
        }

        return 0;
    }

    private static async Task<string> HubAsync(Func<IHubConnectionBuilder, IHubConnectionBuilder> configure)
    {
        await using HubConnection hub = configure(new HubConnectionBuilder()).Build();
        await hub.StartAsync();
        string transport = await hub.InvokeAsync<string>("Transport");
        await hub.StopAsync();
        return transport;
    }

    private static async Task<string> GetAsync(HttpMessageHandler handler, Uri tcp)
    {
        using var client = new HttpClient(handler) { BaseAddress = tcp };
        return await client.GetStringAsync("/");
    }

    private static async Task<WebApplication> StartServerAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenKcp(IPAddress.Loopback, 0, Configure, listen => listen.UseHub<TransportHub>());
            kestrel.ListenKcp(IPAddress.Loopback, 0, Configure);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.MapHub<TransportHub>("/hub");
        app.MapGet("/", (HttpContext context) => context.Features.Get<IKcpSessionFeature>() is null ? "tcp" : "kcp");
        await app.StartAsync();
        return app;

        static void Configure(KcpOptions options)
        {
            options.Crypt = Kcp.Crypt;
            options.Key = Kcp.Key;
        }
    }

    /// <summary>Tells the caller which transport carries it, as the server sees it.</summary>
    internal sealed class TransportHub : Hub
    {
        public string Transport() => Context.Features.Get<IKcpSessionFeature>() is not null
            ? "kcp"
            : Context.Features.Get<Microsoft.AspNetCore.Http.Connections.Features.IHttpTransportFeature>()?.TransportType.ToString().ToLowerInvariant() ?? "?";
    }
}
