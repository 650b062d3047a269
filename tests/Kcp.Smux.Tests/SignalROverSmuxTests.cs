using System.Net;
using Kcp.AspNetCore;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcp.Smux.Tests;

/// <summary>SignalR over smux streams: many hub connections, one KCP session.</summary>
public sealed class SignalROverSmuxTests
{
    public sealed class SessionHub : Hub
    {
        public string Where() => $"{Context.Features.Get<IKcpSessionFeature>()!.Conversation} {Context.Features.Get<IKcpSmuxStreamFeature>()!.StreamId}";

        public Task Shout(string text) => Clients.All.SendAsync("heard", text);
    }

    [Fact]
    public async Task TwentyHubConnections_AreStreamsOfOneKcpSession()
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR();
        builder.WebHost.UseKcp();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenKcp(IPAddress.Loopback, 0,
            kcp => kcp.Smux = new KcpSmuxOptions { Version = 2 },
            listen => listen.UseHub<SessionHub>()));
        await using WebApplication app = builder.Build();
        await app.StartAsync();
        IPEndPoint endPoint = app.Services.GetRequiredService<KcpTransportFactory>().BoundEndPoints[0].IPEndPoint;

        await using var factory = new KcpConnectionFactory(new KcpOptions { Smux = new KcpSmuxOptions { Version = 2 } });
        var hubs = new List<HubConnection>();
        try
        {
            var heard = new CountdownEvent(20);
            for (int i = 0; i < 20; i++)
            {
                HubConnection hub = new HubConnectionBuilder().WithKcp(endPoint, factory).Build();
                hub.On<string>("heard", _ => heard.Signal());
                hubs.Add(hub);
            }

            await Task.WhenAll(hubs.Select(h => h.StartAsync())).WaitAsync(Peers.Wait);
            string[] where = await Task.WhenAll(hubs.Select(h => h.InvokeAsync<string>("Where"))).WaitAsync(Peers.Wait);
            Assert.Single(where.Select(w => w.Split(' ')[0]).Distinct());
            Assert.Equal(20, where.Select(w => w.Split(' ')[1]).Distinct().Count());

            await hubs[0].InvokeAsync("Shout", "hello");
            Assert.True(heard.Wait(Peers.Wait));
        }
        finally
        {
            foreach (HubConnection hub in hubs)
            {
                await hub.DisposeAsync();
            }

            await app.StopAsync();
        }
    }
}
