using System.IO.Pipelines;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Kcp.AspNetCore.Tests;

/// <summary>Kestrel's stop sequence over KCP: unbind, finish in-flight work, then close sockets and sessions.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StopAsync_DuringARequest_CompletesTheInFlightResponse()
    {
        var requestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        KcpTestHost host = await KcpTestHost.StartAsync(mapApp: app => app.MapGet("/slow", async () =>
        {
            requestArrived.SetResult();
            await release.Task.WaitAsync(TestTimeouts.Default);
            return "finished";
        }));
        KcpListener listener = Assert.Single(host.Factory.Listeners).Listener;
        using var client = new HttpClient(KcpHttpHandler.Create(host.KcpEndPoint)) { BaseAddress = new Uri("http://kcp.test/"), Timeout = TestTimeouts.Default };

        Task<HttpResponseMessage> response = client.GetAsync("slow");
        await requestArrived.Task.DefaultTimeout();
        Task stopping = host.App.StopAsync();
        release.SetResult();

        using HttpResponseMessage answered = await response.DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("finished", await answered.Content.ReadAsStringAsync().DefaultTimeout());
        await stopping.DefaultTimeout();
        await host.DisposeAsync();
        Assert.Equal(0, listener.SessionCount);
        Assert.Empty(host.Factory.BoundEndPoints);
    }

    [Fact]
    public async Task StopAsync_AfterStop_NewSessionsAreRefused()
    {
        KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);
        IPEndPoint address = host.KcpEndPoint;
        KcpListener listener = Assert.Single(host.Factory.Listeners).Listener;
        await using var client = new KcpConnectionFactory(new KcpOptions { LingerTimeout = TimeSpan.FromMilliseconds(200) });

        await host.DisposeAsync();
        await using ConnectionContext late = await client.ConnectAsync(address).DefaultTimeout();
        await late.Transport.Output.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        Assert.Equal(0, listener.SessionCount);
        Assert.Empty(host.Factory.GetActiveSessions());
    }

    [Fact]
    public async Task DisposeAsync_WithOpenConnectionHandlerSessions_LeavesNoSession()
    {
        KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);
        KcpListener listener = Assert.Single(host.Factory.Listeners).Listener;
        await using var client = new KcpConnectionFactory(new KcpOptions { LingerTimeout = TimeSpan.FromMilliseconds(200) });
        var connections = new List<ConnectionContext>();
        for (int i = 0; i < 3; i++)
        {
            ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
            await connection.Transport.Output.WriteAsync(new byte[] { (byte)i }).DefaultTimeout();
            ReadResult echo = await connection.Transport.Input.ReadAsync().DefaultTimeout();
            connection.Transport.Input.AdvanceTo(echo.Buffer.End);
            connections.Add(connection);
        }

        Assert.Equal(3, listener.SessionCount);

        // The echo handlers never end by themselves: Kestrel aborts them after the (short) shutdown timeout.
        await host.DisposeAsync();

        Assert.Equal(0, listener.SessionCount);
        Assert.Empty(host.Factory.GetActiveSessions());
    }
}
