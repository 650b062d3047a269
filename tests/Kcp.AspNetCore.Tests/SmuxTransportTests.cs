using System.IO.Pipelines;
using System.Net;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Kcp.Transport.Tests.Support;

namespace Kcp.AspNetCore.Tests;

/// <summary>Kestrel endpoints with <see cref="KcpOptions.Smux"/>: each smux stream is a connection, all over one KCP session.</summary>
public sealed class SmuxTransportTests
{
    private static void Smux(KcpOptions kcp) => kcp.Smux = new KcpSmuxOptions { Version = 2 };

    [Fact]
    public async Task Http_FiftyConcurrentRequests_AreStreamsOfOneKcpSession()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            configureKcp: Smux,
            mapApp: app => app.MapGet("/stream", (HttpContext context) =>
                $"{context.Features.Get<IKcpSmuxStreamFeature>()!.StreamId} {context.Features.Get<IKcpSessionFeature>()!.Conversation}"));
        var options = new KcpOptions();
        Smux(options);
        using var client = new HttpClient(KcpHttpHandler.Create(host.KcpEndPoint, options)) { BaseAddress = new Uri("http://kcp/") };

        string[] answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/stream"))).DefaultTimeout();
        Assert.Single(answers.Select(a => a.Split(' ')[1]).Distinct());
        Assert.All(answers, a => Assert.Equal(1u, uint.Parse(a.Split(' ')[0]) % 2));
        Assert.True(answers.Select(a => a.Split(' ')[0]).Distinct().Count() > 1);
        Assert.Single(host.Factory.GetActiveSessions());
    }

    [Fact]
    public async Task ConnectionHandler_StreamsShareASession_AndAbortingOneLeavesTheOthers()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listenKcp: listen => listen.UseConnectionHandler<EchoConnectionHandler>(),
            configureKcp: Smux,
            withTcp: false);
        var options = new KcpOptions();
        Smux(options);
        await using var factory = new KcpConnectionFactory(options);

        var connections = new List<ConnectionContext>();
        for (int i = 0; i < 5; i++)
        {
            connections.Add(await factory.ConnectAsync(host.KcpEndPoint).DefaultTimeout());
        }

        Assert.Single(connections.Select(c => c.Features.Get<IKcpSessionFeature>()!.Conversation).Distinct());
        Assert.Equal(1, factory.SmuxSessions);
        connections[0].Abort(new ConnectionAbortedException("test"));
        for (int i = 1; i < 5; i++)
        {
            byte[] payload = new byte[100_000 + i];
            Random.Shared.NextBytes(payload);
            await connections[i].Transport.Output.WriteAsync(payload);
            byte[] echoed = await PipeTransfer.ReadExactlyAsync(connections[i].Transport.Input, payload.Length).DefaultTimeout();
            Assert.Equal(payload, echoed);
        }

        foreach (ConnectionContext connection in connections)
        {
            await connection.DisposeAsync().AsTask().DefaultTimeout();
        }

        Assert.Equal(1, factory.SmuxSessions);
    }

    [Fact]
    public async Task SessionLoss_ResetsEveryStream_OnBothSides()
    {
        var accepted = new TaskCompletionSource<ConnectionContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverRead = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listenKcp: listen => listen.Run(async connection =>
            {
                accepted.TrySetResult(connection);
                try
                {
                    while (true)
                    {
                        ReadResult result = await connection.Transport.Input.ReadAsync();
                        connection.Transport.Input.AdvanceTo(result.Buffer.End);
                        if (result.IsCompleted)
                        {
                            break;
                        }
                    }

                    serverRead.TrySetResult(null);
                }
                catch (Exception e)
                {
                    serverRead.TrySetResult(e);
                }
            }),
            configureKcp: Smux,
            withTcp: false);
        var options = new KcpOptions();
        Smux(options);
        await using var factory = new KcpConnectionFactory(options);
        ConnectionContext connection = await factory.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        await connection.Transport.Output.WriteAsync("hello"u8.ToArray());
        ConnectionContext server = await accepted.Task.DefaultTimeout();

        // The server's KCP session dies (as when its peer's link dies for good).
        IKcpSessionFeature session = server.Features.Get<IKcpSessionFeature>()!;
        Assert.Equal(KcpCloseReason.None, session.CloseReason);
        ((Kcp.AspNetCore.Internal.KcpSessionFeature)session).Session.Abort();
        Exception? error = await serverRead.Task.DefaultTimeout();
        Assert.IsType<ConnectionResetException>(error);
        Assert.Contains("TransportClosed", error.Message);
    }
}
