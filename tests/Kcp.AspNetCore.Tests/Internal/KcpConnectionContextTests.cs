using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore.Internal;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Kcp.AspNetCore.Tests.Internal;

/// <summary>
/// Connection semantics on a dialed session. KCP has no handshake, so a session to a port nobody serves exists and
/// behaves locally exactly like a connected one: no server needed.
/// </summary>
public sealed class KcpConnectionContextTests
{
    private static IPEndPoint UnservedEndPoint()
    {
        // A bound-then-released UDP port on loopback: nothing answers there.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    private static KcpConnectionFactory CreateFactory(Action<KcpOptions>? configure = null)
    {
        var options = new KcpOptions { LingerTimeout = TimeSpan.FromMilliseconds(200) };
        configure?.Invoke(options);
        return new KcpConnectionFactory(options);
    }

    [Fact]
    public async Task Features_NewConnection_ServesTheUsualFeaturesAndTheKcpSession()
    {
        await using KcpConnectionFactory factory = CreateFactory();
        IPEndPoint target = UnservedEndPoint();

        await using ConnectionContext connection = await factory.ConnectAsync(target).DefaultTimeout();

        Assert.Same(connection.Transport, connection.Features.Get<IConnectionTransportFeature>()!.Transport);
        Assert.Equal(connection.ConnectionId, connection.Features.Get<IConnectionIdFeature>()!.ConnectionId);
        Assert.Same(connection.Items, connection.Features.Get<IConnectionItemsFeature>()!.Items);
        Assert.Equal(connection.ConnectionClosed, connection.Features.Get<IConnectionLifetimeFeature>()!.ConnectionClosed);
        Assert.Equal(target, connection.Features.Get<IConnectionEndPointFeature>()!.RemoteEndPoint);
        Assert.NotNull(connection.Features.Get<IMemoryPoolFeature>()!.MemoryPool);
        IKcpSessionFeature session = connection.Features.Get<IKcpSessionFeature>()!;
        Assert.Equal(((KcpConnectionContext)connection).Session.Conversation, session.Conversation);
        Assert.Equal(KcpCloseReason.None, session.CloseReason);
        Assert.Equal(target, connection.RemoteEndPoint);
        Assert.IsType<IPEndPoint>(connection.LocalEndPoint);
    }

    [Fact]
    public async Task Features_KeepAlive_IsNotInherentSoSignalRKeepsPinging()
    {
        await using KcpConnectionFactory factory = CreateFactory();

        await using ConnectionContext connection = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();

        Assert.Null(connection.Features.Get<IConnectionInherentKeepAliveFeature>());
    }

    [Fact]
    public async Task Features_SetByTheHost_AreStoredAndReturned()
    {
        await using KcpConnectionFactory factory = CreateFactory();
        await using ConnectionContext connection = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();
        var heartbeat = new TestHeartbeatFeature();

        // Kestrel adds heartbeat, completion and lifetime-notification features to every accepted connection.
        connection.Features.Set<IConnectionHeartbeatFeature>(heartbeat);

        Assert.Same(heartbeat, connection.Features.Get<IConnectionHeartbeatFeature>());
    }

    [Fact]
    public async Task Abort_PendingRead_FailsWithConnectionAbortedAndClosesTheSession()
    {
        await using KcpConnectionFactory factory = CreateFactory();
        await using ConnectionContext connection = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionClosed.Register(() => closed.SetResult());
        ValueTask<ReadResult> read = connection.Transport.Input.ReadAsync();

        connection.Abort(new ConnectionAbortedException("test abort"));

        var error = await Assert.ThrowsAsync<ConnectionAbortedException>(() => read.AsTask()).DefaultTimeout();
        Assert.Equal("test abort", error.Message);
        await closed.Task.DefaultTimeout();
        Assert.Equal(KcpCloseReason.Aborted, connection.Features.Get<IKcpSessionFeature>()!.CloseReason);
    }

    [Fact]
    public async Task Input_SessionIdleTimeout_FailsWithConnectionReset()
    {
        await using KcpConnectionFactory factory = CreateFactory(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        await using ConnectionContext connection = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();

        var error = await Assert.ThrowsAsync<ConnectionResetException>(async () =>
        {
            while (true)
            {
                ReadResult result = await connection.Transport.Input.ReadAsync();
                connection.Transport.Input.AdvanceTo(result.Buffer.End);
            }
        }).DefaultTimeout();

        Assert.Equal(KcpCloseReason.IdleTimeout, Assert.IsType<KcpSessionClosedException>(error.InnerException).Reason);
        Assert.True(connection.ConnectionClosed.WaitHandle.WaitOne(TestTimeouts.Default));
    }

    [Fact]
    public async Task DisposeAsync_Connection_ClosesTheSessionOnceAndForgetsTheConnection()
    {
        await using KcpConnectionFactory factory = CreateFactory();
        ConnectionContext connection = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();
        Assert.Equal(1, factory.OpenConnections);

        await connection.DisposeAsync().DefaultTimeout();
        await connection.DisposeAsync().DefaultTimeout();

        Assert.Equal(KcpCloseReason.LocalClose, connection.Features.Get<IKcpSessionFeature>()!.CloseReason);
        Assert.True(connection.ConnectionClosed.WaitHandle.WaitOne(TestTimeouts.Default));
        Assert.Equal(0, factory.OpenConnections);
    }

    [Fact]
    public async Task DisposeAsync_Factory_ClosesConnectionsStillOpen()
    {
        KcpConnectionFactory factory = CreateFactory();
        ConnectionContext first = await factory.ConnectAsync(UnservedEndPoint()).DefaultTimeout();
        ConnectionContext second = await factory.ConnectAsync(new KcpEndPoint(UnservedEndPoint())).DefaultTimeout();

        await factory.DisposeAsync().DefaultTimeout();

        Assert.NotEqual(KcpCloseReason.None, first.Features.Get<IKcpSessionFeature>()!.CloseReason);
        Assert.NotEqual(KcpCloseReason.None, second.Features.Get<IKcpSessionFeature>()!.CloseReason);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => factory.ConnectAsync(UnservedEndPoint()).AsTask()).DefaultTimeout();
    }

    [Fact]
    public async Task ConnectAsync_UnsupportedEndPoint_ThrowsNotSupported()
    {
        await using KcpConnectionFactory factory = CreateFactory();

        await Assert.ThrowsAsync<NotSupportedException>(() => factory.ConnectAsync(new DnsEndPoint("localhost", 1)).AsTask()).DefaultTimeout();
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<ArgumentException>(() => new KcpConnectionFactory(new KcpOptions { Mtu = 9000 }));

        Assert.Contains("KcpOptions.Mtu", error.Message, StringComparison.Ordinal);
    }

    private sealed class TestHeartbeatFeature : IConnectionHeartbeatFeature
    {
        public void OnHeartbeat(Action<object> action, object state)
        {
        }
    }
}
