using System.Net;
using System.Net.WebSockets;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatHub.Tests.Infrastructure;

/// <summary>
/// The sample's hub mapped the classic way (<c>MapHub</c>, negotiate + WebSockets/long polling) on a Kestrel whose
/// only endpoint is KCP (AES + FEC 10/3): HTTP/1.1 over KCP. Clients reach it with <see cref="KcpHttpHandler"/> for HTTP and a
/// <see cref="ClientWebSocket"/> whose upgrade request goes through the same handler.
/// </summary>
internal sealed class HttpOverKcpChatServer : IAsyncDisposable
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);
    private readonly WebApplication _app;
    private int _disposed;

    private HttpOverKcpChatServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    /// <summary>Both ends' KCP settings, set explicitly (the server reads no configuration file).</summary>
    public static void ConfigureKcp(KcpOptions options)
    {
        options.ApplyPreset(KcpPreset.Fast2);
        options.Crypt = "aes";
        options.Key = "http over kcp";
        options.DataShards = 10;
        options.ParityShards = 3;
    }

    private static KcpOptions ClientOptions()
    {
        var options = new KcpOptions();
        ConfigureKcp(options);
        return options;
    }

    /// <summary>The bound KCP address.</summary>
    public IPEndPoint EndPoint { get; }

    public KcpTransportFactory Transport => _app.Services.GetRequiredService<KcpTransportFactory>();

    /// <summary>
    /// Starts a server on <paramref name="port"/> (0: any free port). With <paramref name="rawHub"/> the KCP endpoint
    /// serves the hub directly (<c>UseHub</c>, no HTTP) as the sample's KCP endpoint does.
    /// </summary>
    public static async Task<HttpOverKcpChatServer> StartAsync(int port = 0, bool rawHub = false)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();

        // Not the sample's appsettings.json (copied next to the tests): its Kcp:Endpoints:Chat and Kestrel:Endpoints:Web
        // would be bound too. This server has the one KCP endpoint below.
        builder.Configuration.Sources.Clear();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSignalR(o =>
        {
            o.KeepAliveInterval = KeepAlive;
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(6);
        }).AddMessagePackProtocol();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, port, ConfigureKcp, listen =>
        {
            if (rawHub)
            {
                listen.UseHub<ChatHubSample.ChatHub>();
            }
        }));
        WebApplication app = builder.Build();
        app.UseWebSockets();
        app.MapHub<ChatHubSample.ChatHub>(ChatHubSample.ChatHub.Path);
        await app.StartAsync().WithTimeout();
        IPEndPoint endPoint = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0].IPEndPoint;
        return new HttpOverKcpChatServer(app, endPoint);
    }

    /// <summary>A hub connection over HTTP on KCP with the given transport; the host name is only a label.</summary>
    public static HubConnection CreateConnection(IPEndPoint endPoint, HttpTransportType transport, Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri($"http://chat.kcp{ChatHubSample.ChatHub.Path}"), transport, options =>
            {
                options.HttpMessageHandlerFactory = _ => KcpHttpHandler.Create(endPoint, ClientOptions());
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        using var invoker = new HttpMessageInvoker(KcpHttpHandler.Create(endPoint, ClientOptions()));
                        await socket.ConnectAsync(context.Uri, invoker, cancellationToken).ConfigureAwait(false);
                        return socket;
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
            })
            .WithKeepAliveInterval(KeepAlive);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Stops the host (once; later calls do nothing).</summary>
    /// <summary>A hub connection straight over KCP (<c>WithKcp</c>), for a <c>rawHub</c> server.</summary>
    public static HubConnection CreateRawConnection(IPEndPoint endPoint, Action<IHubConnectionBuilder>? configure = null)
    {
        IHubConnectionBuilder builder = new HubConnectionBuilder().WithKcp(endPoint, ConfigureKcp).WithKeepAliveInterval(KeepAlive);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().WithTimeout();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
