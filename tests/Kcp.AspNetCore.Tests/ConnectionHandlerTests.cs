using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kcp.AspNetCore.Tests;

/// <summary>Kestrel connection handlers on a KCP endpoint, driven by <see cref="KcpConnectionFactory"/>.</summary>
public sealed class ConnectionHandlerTests
{
    private static KcpConnectionFactory CreateClient(Action<KcpOptions>? configure = null)
    {
        var options = new KcpOptions { LingerTimeout = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        return new KcpConnectionFactory(options);
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader reader, int count)
    {
        var received = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            ReadResult result = await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, count - filled);
            buffer.Slice(0, take).CopyTo(received.AsSpan(filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (result.IsCompleted && filled < count)
            {
                throw new EndOfStreamException($"Only {filled} of {count} bytes arrived.");
            }
        }

        return received;
    }

    [Fact]
    public async Task Echo_OneMegabyte_ComesBackIntact()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        byte[] payload = RandomNumberGenerator.GetBytes(1024 * 1024);

        Task<byte[]> echoed = ReadExactlyAsync(connection.Transport.Input, payload.Length);
        await connection.Transport.Output.WriteAsync(payload).DefaultTimeout();

        byte[] back = await echoed.DefaultTimeout();
        Assert.True(payload.AsSpan().SequenceEqual(back));
    }

    [Fact]
    public async Task LengthPrefixed_ManyFrames_AreAnsweredInOrder()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<ReverseFrameConnectionHandler>(), withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(new KcpEndPoint(host.KcpEndPoint)).DefaultTimeout();

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
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<ReverseFrameConnectionHandler>(), withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        uint clientConv = connection.Features.Get<IKcpSessionFeature>()!.Conversation;

        FrameCodec.Write(connection.Transport.Output, []);
        await connection.Transport.Output.FlushAsync().DefaultTimeout();
        byte[] reply = await FrameCodec.ReadFrameAsync(connection.Transport.Input).DefaultTimeout();

        Assert.Equal(clientConv, BinaryPrimitives.ReadUInt32BigEndian(reply));
        IKcpSessionFeature server = Assert.Single(host.Factory.GetActiveSessions());
        Assert.Equal(clientConv, server.Conversation);
        KcpSessionStatistics stats = server.GetStatistics();
        Assert.True(stats.BytesReceived >= 4);
        Assert.True(stats.InSegments > 0);
        Assert.True(server.SendWindow > 0);
    }

    [Fact]
    public async Task Abort_ServerSide_HandlerReadFailsWithConnectionAborted()
    {
        var observed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.Run(async connection =>
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
        }), withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();

        await connection.Transport.Output.WriteAsync(new byte[] { 1, 2, 3 }).DefaultTimeout();

        var error = Assert.IsType<ConnectionAbortedException>(await observed.Task.DefaultTimeout());
        Assert.Equal("server gives up", error.Message);
    }

    [Fact]
    public async Task ConnectionClosed_ServerSessionIdles_FiresAndReadFailsWithConnectionReset()
    {
        var observed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using KcpTestHost host = await KcpTestHost.StartAsync(
            listen => listen.Run(async connection =>
            {
                try
                {
                    while (true)
                    {
                        ReadResult result = await connection.Transport.Input.ReadAsync();
                        connection.Transport.Input.AdvanceTo(result.Buffer.End);
                        if (result.IsCompleted)
                        {
                            observed.SetResult(null);
                            return;
                        }
                    }
                }
                catch (Exception e)
                {
                    await Task.Delay(Timeout.Infinite, connection.ConnectionClosed).ContinueWith(_ => { });
                    observed.SetResult(e);
                }
            }),
            configureKcp: kcp => kcp.IdleTimeout = TimeSpan.FromSeconds(1),
            withTcp: false);
        KcpConnectionFactory client = CreateClient();
        ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        await connection.Transport.Output.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        // The client vanishes without a word (KCP has no FIN): only the server's idle timeout can notice.
        connection.Abort();

        var error = Assert.IsType<ConnectionResetException>(await observed.Task.DefaultTimeout());
        Assert.Equal(KcpCloseReason.IdleTimeout, Assert.IsType<KcpSessionClosedException>(error.InnerException).Reason);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task KcpConnectionFactory_FromAddKcpClient_TalksToTheServer()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);
        await using ServiceProvider services = new ServiceCollection().AddLogging().AddKcpClient().BuildServiceProvider();
        IConnectionFactory factory = services.GetRequiredService<IConnectionFactory>();
        await using ConnectionContext connection = await factory.ConnectAsync(host.KcpEndPoint).DefaultTimeout();

        await connection.Transport.Output.WriteAsync("kcp"u8.ToArray()).DefaultTimeout();

        Assert.Equal("kcp"u8.ToArray(), await ReadExactlyAsync(connection.Transport.Input, 3).DefaultTimeout());
    }
}
