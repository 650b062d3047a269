using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Kcp.Transport.Tests.Support;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// Kestrel connection handlers on a KCP endpoint, driven by <see cref="KcpConnectionFactory"/>. Derived classes run the
/// same tests over another <see cref="KcpTestLink"/>.
/// </summary>
public class ConnectionHandlerTests
{
    private readonly KcpTestLink _link;

    public ConnectionHandlerTests()
        : this(KcpTestLink.Direct)
    {
    }

    protected ConnectionHandlerTests(KcpTestLink link) => _link = link;

    private KcpConnectionFactory CreateClient()
        => new(_link.ClientOptions(options => options.LingerTimeout = TimeSpan.FromSeconds(2)));

    private async Task<LinkedHost> StartAsync(Action<ListenOptions> listen)
    {
        KcpTestHost host = await KcpTestHost.StartAsync(listen, configureKcp: _link.ServerOptions(), withTcp: false);
        return new LinkedHost(host, _link.Open(host.KcpEndPoint));
    }

    [Fact]
    public async Task Echo_OneMegabyte_ComesBackIntact()
    {
        await using LinkedHost host = await StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>());
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.Target).DefaultTimeout();
        byte[] payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        Task<byte[]> echoed = PipeTransfer.ReadExactlyAsync(connection.Transport.Input, payload.Length);
        await connection.Transport.Output.WriteAsync(payload).DefaultTimeout();

        byte[] back = await echoed.DefaultTimeout();
        Assert.True(payload.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task LengthPrefixed_ManyFrames_AreAnsweredInOrder()
    {
        await using LinkedHost host = await StartAsync(listen => listen.UseConnectionHandler<ReverseFrameConnectionHandler>());
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(new KcpEndPoint(host.Target)).DefaultTimeout();

        for (int i = 1; i <= 100; i++)
        {
            byte[] payload = RandomNumberGenerator.GetBytes(i * 37);
            FrameCodec.Write(connection.Transport.Output, payload);
            await connection.Transport.Output.FlushAsync().DefaultTimeout();

            byte[] reply = await FrameCodec.ReadFrameAsync(connection.Transport.Input).DefaultTimeout();

            Array.Reverse(payload);
            Assert.Equal(payload, reply);
        }
    }

    [Fact]
    public async Task Features_AcceptedConnection_ExposeTheKcpSessionWithTheClientsConversation()
    {
        await using LinkedHost host = await StartAsync(listen => listen.UseConnectionHandler<ReverseFrameConnectionHandler>());
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.Target).DefaultTimeout();
        uint clientConv = connection.Features.Get<IKcpSessionFeature>()!.Conversation;

        FrameCodec.Write(connection.Transport.Output, []);
        await connection.Transport.Output.FlushAsync().DefaultTimeout();
        byte[] reply = await FrameCodec.ReadFrameAsync(connection.Transport.Input).DefaultTimeout();

        Assert.Equal(clientConv, BinaryPrimitives.ReadUInt32BigEndian(reply));
        IKcpSessionFeature server = Assert.Single(host.Factory.GetActiveSessions());
        Assert.Equal(clientConv, server.Conversation);
        KcpSessionStatistics stats = server.GetStatistics();
        Assert.True(stats.Counters.BytesReceived >= 4);
        Assert.True(stats.Counters.InSegments > 0);
        Assert.True(server.SendWindow > 0);
    }

    [Fact]
    public async Task Abort_ServerSide_HandlerReadFailsWithConnectionAborted()
    {
        var observed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using LinkedHost host = await StartAsync(listen => listen.Run(async connection =>
        {
            ReadResult first = await connection.Transport.Input.ReadAsync();
            connection.Transport.Input.AdvanceTo(first.Buffer.End);
            bool heartbeat = connection.Features.Get<IConnectionHeartbeatFeature>() is not null;
            connection.Abort(new ConnectionAbortedException("server gives up"));
            try
            {
                await connection.Transport.Input.ReadAsync();
                observed.SetResult(heartbeat ? null : new InvalidOperationException("Kestrel's features were not stored."));
            }
            catch (Exception e)
            {
                observed.SetResult(heartbeat ? e : new InvalidOperationException("Kestrel's features were not stored."));
            }
        }));
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.Target).DefaultTimeout();

        await connection.Transport.Output.WriteAsync(new byte[] { 1, 2, 3 }).DefaultTimeout();

        var error = Assert.IsType<ConnectionAbortedException>(await observed.Task.DefaultTimeout());
        Assert.Equal("server gives up", error.Message);
    }

    [Fact]
    public async Task DisposeAsync_Client_ServerInputCompletesWithoutError()
    {
        var observed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using LinkedHost host = await StartAsync(listen => listen.Run(async connection =>
        {
            long total = 0;
            while (true)
            {
                ReadResult result = await connection.Transport.Input.ReadAsync();
                total += result.Buffer.Length;
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    observed.SetResult(total);
                    return;
                }
            }
        }));
        await using KcpConnectionFactory client = CreateClient();
        ConnectionContext connection = await client.ConnectAsync(host.Target).DefaultTimeout();
        await connection.Transport.Output.WriteAsync(new byte[1000]).DefaultTimeout();

        // A graceful close waits until the server acknowledged everything, then tells it the session ended.
        await connection.DisposeAsync().DefaultTimeout();

        Assert.Equal(1000, await observed.Task.DefaultTimeout());
    }

    /// <summary>A started host and the path its clients dial.</summary>
    private sealed class LinkedHost(KcpTestHost host, KcpLinkPath path) : IAsyncDisposable
    {
        public KcpTestHost Host => host;

        public KcpTransportFactory Factory => host.Factory;

        public IPEndPoint Target => path.Target;

        public async ValueTask DisposeAsync()
        {
            await path.DisposeAsync();
            await host.DisposeAsync();
        }
    }
}
