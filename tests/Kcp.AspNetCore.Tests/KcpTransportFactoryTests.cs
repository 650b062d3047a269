using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Kcp.AspNetCore.Tests;

public sealed class KcpTransportFactoryTests
{
    private static KcpTransportFactory CreateFactory(KcpTransportOptions? options = null)
        => new(Options.Create(options ?? new KcpTransportOptions()));

    [Fact]
    public void CanBind_KcpEndPoint_IsTrueButIPEndPointAndOthersAreFalse()
    {
        using KcpTransportFactory factory = CreateFactory();

        Assert.True(factory.CanBind(new KcpEndPoint(IPAddress.Loopback, 0)));
        Assert.False(factory.CanBind(new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.False(factory.CanBind(new UnixDomainSocketEndPoint("/nonexistent/socket")));
    }

    [Fact]
    public async Task BindAsync_PortZero_EndPointAndBoundEndPointsReportTheRealPort()
    {
        await using KcpTransportFactory factory = CreateFactory();

        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();

        var bound = Assert.IsType<KcpEndPoint>(listener.EndPoint);
        Assert.NotEqual(0, bound.IPEndPoint.Port);
        Assert.Equal(IPAddress.Loopback, bound.IPEndPoint.Address);
        Assert.Equal(bound.IPEndPoint, Assert.Single(factory.BoundEndPoints).IPEndPoint);
        await listener.DisposeAsync().DefaultTimeout();
        Assert.Empty(factory.BoundEndPoints);
    }

    [Fact]
    public async Task BindAsync_WithKestrelsMemoryPool_SessionPipesRentFromIt()
    {
        // Arrange
        var pools = new CountingPoolFactory();
        await using var factory = new KcpTransportFactory(Options.Create(new KcpTransportOptions()), memoryPoolFactory: pools);
        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        var bound = (KcpEndPoint)listener.EndPoint;
        await using KcpSession client = await KcpClient.ConnectAsync(bound.IPEndPoint);

        // Act
        await client.Output.WriteAsync("hello over kcp"u8.ToArray()).DefaultTimeout();
        await using ConnectionContext connection = (await listener.AcceptAsync().DefaultTimeout())!;
        System.IO.Pipelines.ReadResult read = await connection.Transport.Input.ReadAtLeastAsync(14).DefaultTimeout();
        connection.Transport.Input.AdvanceTo(read.Buffer.End);

        // Assert
        Assert.True(pools.Rents > 0, "the session's input pipe rented no block from Kestrel's pool");
        Assert.Same(pools.Created, Assert.IsType<Kcp.AspNetCore.Internal.KcpConnectionContext>(connection).MemoryPool);
        await listener.DisposeAsync().DefaultTimeout();
    }

    [Fact]
    public async Task BindAsync_IPEndPoint_ThrowsNotSupported()
    {
        await using KcpTransportFactory factory = CreateFactory();

        await Assert.ThrowsAsync<NotSupportedException>(() => factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0)).AsTask()).DefaultTimeout();
    }

    [Theory]
    [InlineData("Mtu")]
    [InlineData("SendWindow")]
    [InlineData("Crypt")]
    public async Task BindAsync_InvalidEndPointOptions_ThrowsNamingTheSetting(string setting)
    {
        await using KcpTransportFactory factory = CreateFactory();
        var options = new KcpOptions();
        switch (setting)
        {
            case "Mtu": options.Mtu = 9000; break;
            case "SendWindow": options.SendWindow = 0; break;
            default: options.Crypt = "rot13"; break;
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => factory.BindAsync(new KcpEndPoint(new IPEndPoint(IPAddress.Loopback, 0), options)).AsTask()).DefaultTimeout();

        Assert.Contains("KcpOptions." + setting, error.Message, StringComparison.Ordinal);
        Assert.Empty(factory.BoundEndPoints);
    }

    [Fact]
    public async Task BindAsync_InvalidTransportDefaults_ThrowsNamingTheSetting()
    {
        var transportOptions = new KcpTransportOptions();
        transportOptions.Defaults.ReceiveWindow = -1;
        await using KcpTransportFactory factory = CreateFactory(transportOptions);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).AsTask()).DefaultTimeout();

        Assert.Contains("KcpOptions.ReceiveWindow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BindAsync_PortAlreadyBound_ThrowsAddressInUse()
    {
        await using KcpTransportFactory factory = CreateFactory();
        IConnectionListener first = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        var taken = ((KcpEndPoint)first.EndPoint).IPEndPoint;

        await Assert.ThrowsAsync<AddressInUseException>(() => factory.BindAsync(new KcpEndPoint(taken)).AsTask()).DefaultTimeout();
        await first.DisposeAsync().DefaultTimeout();
    }

    [Fact]
    public async Task AcceptAsync_AfterUnbind_ReturnsNull()
    {
        await using KcpTransportFactory factory = CreateFactory();
        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        ValueTask<ConnectionContext?> pending = listener.AcceptAsync();

        await listener.UnbindAsync().DefaultTimeout();

        Assert.Null(await pending.DefaultTimeout());
        Assert.Null(await listener.AcceptAsync().DefaultTimeout());
        await listener.DisposeAsync().DefaultTimeout();
    }

    [Fact]
    public async Task AcceptAsync_AfterDispose_ReturnsNull()
    {
        await using KcpTransportFactory factory = CreateFactory();
        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        ValueTask<ConnectionContext?> pending = listener.AcceptAsync();

        await listener.DisposeAsync().DefaultTimeout();

        Assert.Null(await pending.DefaultTimeout());
        Assert.Null(await listener.AcceptAsync().DefaultTimeout());
    }

    [Fact]
    public async Task DisposeAsync_Listener_ReleasesThePort()
    {
        await using KcpTransportFactory factory = CreateFactory();
        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        var port = ((KcpEndPoint)listener.EndPoint).IPEndPoint;

        await listener.DisposeAsync().DefaultTimeout();
        IConnectionListener again = await factory.BindAsync(new KcpEndPoint(port)).DefaultTimeout();

        Assert.Equal(port, ((KcpEndPoint)again.EndPoint).IPEndPoint);
        await again.DisposeAsync().DefaultTimeout();
    }

    [Fact]
    public async Task BindAsync_IPv6LoopbackPortZero_ReportsTheRealIPv6EndPoint()
    {
        await using KcpTransportFactory factory = CreateFactory();

        IConnectionListener listener = await factory.BindAsync(new KcpEndPoint(IPAddress.IPv6Loopback, 0)).DefaultTimeout();

        var bound = ((KcpEndPoint)listener.EndPoint).IPEndPoint;
        Assert.Equal(IPAddress.IPv6Loopback, bound.Address);
        Assert.NotEqual(0, bound.Port);
        await listener.DisposeAsync().DefaultTimeout();
    }

    /// <summary>Kestrel's role: hands the transport a memory pool, here one that counts its rents.</summary>
    private sealed class CountingPoolFactory : IMemoryPoolFactory<byte>
    {
        private long _rents;

        public long Rents => Interlocked.Read(ref _rents);

        public System.Buffers.MemoryPool<byte>? Created { get; private set; }

        public System.Buffers.MemoryPool<byte> Create(MemoryPoolOptions? options = null) => Created = new Pool(this);

        private sealed class Pool(CountingPoolFactory owner) : System.Buffers.MemoryPool<byte>
        {
            public override int MaxBufferSize => 4096;

            public override System.Buffers.IMemoryOwner<byte> Rent(int minBufferSize = -1)
            {
                Interlocked.Increment(ref owner._rents);
                return System.Buffers.MemoryPool<byte>.Shared.Rent(MaxBufferSize);
            }

            protected override void Dispose(bool disposing)
            {
            }
        }
    }
}
