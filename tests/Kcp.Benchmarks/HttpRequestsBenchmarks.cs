using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcp.Benchmarks;

/// <summary>
/// HTTP/1.1 requests per second: one Kestrel app serving the same minimal endpoint on a KCP endpoint (kcptun's fast3
/// preset) and on TCP, called by HttpClient over <see cref="Connections"/> kept-alive connections. One operation is one
/// request (a batch of 256 spread over the connections); the Ratio column is KCP's time per request over TCP's, so
/// TCP requests/s divided by KCP requests/s.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class HttpRequestsBenchmarks
{
    private const int Batch = 256;
    private WebApplication _app = null!;
    private HttpClient _tcp = null!;
    private HttpClient _kcp = null!;

    [Params(1, 32)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenKcp(IPAddress.Loopback, 0, kcp => kcp.ApplyPreset(KcpPreset.Fast3), listen => { });
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        _app = builder.Build();
        _app.MapGet("/", static (HttpContext context) =>
        {
            context.Response.ContentLength = 5;
            return context.Response.WriteAsync("hello");
        });
        _app.StartAsync().GetAwaiter().GetResult();

        string tcpAddress = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Single(a => !a.Contains("://kcp:/", StringComparison.Ordinal));
        IPEndPoint kcpEndPoint = _app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0].IPEndPoint;
        _tcp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Connections, UseProxy = false }) { BaseAddress = new Uri(tcpAddress) };
        SocketsHttpHandler kcpHandler = KcpHttpHandler.Create(kcpEndPoint, new KcpOptions().ApplyPreset(KcpPreset.Fast3));
        kcpHandler.MaxConnectionsPerServer = Connections;
        _kcp = new HttpClient(kcpHandler) { BaseAddress = new Uri("http://kcp.bench/") };

        // Opens every connection before measuring.
        Task.WhenAll(Enumerable.Range(0, Connections * 4).Select(_ => _tcp.GetStringAsync("/"))).GetAwaiter().GetResult();
        Task.WhenAll(Enumerable.Range(0, Connections * 4).Select(_ => _kcp.GetStringAsync("/"))).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tcp.Dispose();
        _kcp.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public Task Tcp() => RunBatchAsync(_tcp);

    [Benchmark(OperationsPerInvoke = Batch)]
    public Task Kcp() => RunBatchAsync(_kcp);

    private Task RunBatchAsync(HttpClient client)
        => Task.WhenAll(Enumerable.Range(0, Connections).Select(async worker =>
        {
            for (int i = worker; i < Batch; i += Connections)
            {
                using HttpResponseMessage response = await client.GetAsync("/").ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }
        }));

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithId("http"));
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }
}
