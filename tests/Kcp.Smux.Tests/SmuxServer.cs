using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kcp.Smux.Tests;

/// <summary>
/// Kestrel with one KCP+smux endpoint (kcptun's settings) serving a minimal API, as a kcptun user would deploy it:
/// GET /hello, GET /id/{n}, POST /sha256 (the body's SHA-256), GET /download/{bytes} (deterministic bytes),
/// GET /slow (one byte every 100 ms for a minute; reports when the request was aborted).
/// </summary>
internal sealed class SmuxServer : IAsyncDisposable
{
    private SmuxServer(WebApplication app, KcpTransportFactory factory)
    {
        App = app;
        Factory = factory;
    }

    public WebApplication App { get; }

    public KcpTransportFactory Factory { get; }

    public IPEndPoint EndPoint => Factory.BoundEndPoints[0].IPEndPoint;

    /// <summary>Completes with the number of bytes /slow had sent when its request was aborted.</summary>
    public TaskCompletionSource<long> SlowAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when /slow started sending.</summary>
    public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<SmuxServer> StartAsync(int smuxVersion, bool compress, TimeSpan? keepAliveTimeout = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.ListenKcp(IPAddress.Loopback, 0, kcp =>
            {
                kcp.ApplyPreset(KcpPreset.Fast);
                kcp.Crypt = "aes";
                kcp.Key = Peers.Key;
                kcp.DataShards = 10;
                kcp.ParityShards = 3;
                kcp.Mtu = 1350;
                kcp.SendWindow = 1024;
                kcp.ReceiveWindow = 1024;
                kcp.Smux = new KcpSmuxOptions
                {
                    Version = smuxVersion,
                    Compression = compress ? KcpSmuxCompression.Snappy : KcpSmuxCompression.None,
                    KeepAliveInterval = TimeSpan.FromSeconds(1),
                    KeepAliveTimeout = keepAliveTimeout ?? TimeSpan.FromSeconds(30),
                };
            });
        });
        WebApplication app = builder.Build();
        var server = new SmuxServer(app, app.Services.GetRequiredService<KcpTransportFactory>());
        app.MapGet("/hello", () => "hello over smux");
        app.MapGet("/id/{n:int}", (int n, HttpContext context) =>
            $"{n} stream {context.Features.Get<IKcpSmuxStreamFeature>()!.StreamId} conv {context.Features.Get<IKcpSessionFeature>()!.Conversation};");
        app.MapPost("/sha256", async (HttpRequest request) =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                total += read;
            }

            return $"{total} {Convert.ToHexStringLower(sha.GetHashAndReset())}";
        });
        app.MapGet("/download/{bytes:int}", async (int bytes, HttpResponse response) =>
        {
            response.ContentLength = bytes;
            await response.Body.WriteAsync(Peers.Data(bytes, seed: bytes));
        });
        app.MapGet("/slow", async (HttpContext context) =>
        {
            long sent = 0;
            server.SlowStarted.TrySetResult();
            try
            {
                for (int i = 0; i < 600; i++)
                {
                    await context.Response.Body.WriteAsync("."u8.ToArray(), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    sent++;
                    await Task.Delay(100, context.RequestAborted);
                }
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                server.SlowAborted.TrySetResult(sent);
            }
            catch (Exception)
            {
                server.SlowAborted.TrySetResult(sent);
            }
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>The <c>kcp.smux.errors</c> count for <paramref name="reason"/> on this host's meter, read now.</summary>
    public long SmuxErrors(string reason)
    {
        IMeterFactory meters = App.Services.GetRequiredService<IMeterFactory>();
        long total = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "kcp.smux.errors" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "kcp.smux.error" && (string?)tag.Value == reason)
                {
                    total += value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return total;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await App.DisposeAsync();
        }
    }
}
