using System.Net;
using Kcp.Transport;
using Kcp.Transport.Tests.Support;
using Microsoft.AspNetCore.Connections;

namespace Kcp.AspNetCore.Tests;

/// <summary>
/// <see cref="IKcpDatagramFeature"/> on Kestrel connections and on those <see cref="KcpConnectionFactory"/> dials: a
/// connection handler echoes datagrams beside its stream, a connection opened by a datagram alone, the end of a
/// connection, and its absence on smux stream connections.
/// </summary>
public sealed class DatagramFeatureTests
{
    private static void Keyed(KcpOptions options)
    {
        options.Crypt = "aes-128-gcm";
        options.Key = "datagram feature";
        options.DataShards = 10;
        options.ParityShards = 3;
    }

    private static KcpConnectionFactory CreateClient()
    {
        var options = new KcpOptions { LingerTimeout = TimeSpan.FromSeconds(2) };
        Keyed(options);
        return new KcpConnectionFactory(options);
    }

    [Fact]
    public async Task Handler_EchoesDatagramsBesideTheStream_BothEndsSeeTheFeature()
    {
        // Arrange
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<DatagramEchoHandler>(), Keyed, withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        await using ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()!;
        byte[] buffer = new byte[1500];

        // Act: the first datagram opens the server's connection (nothing was written on the stream yet).
        Assert.True(datagrams.TrySendDatagram("ping 1"u8));
        int first = await datagrams.ReceiveDatagramAsync(buffer).DefaultTimeout();
        string firstEcho = System.Text.Encoding.ASCII.GetString(buffer, 0, first);
        await connection.Transport.Output.WriteAsync("stream"u8.ToArray()).DefaultTimeout();
        byte[] streamEcho = await PipeTransfer.ReadExactlyAsync(connection.Transport.Input, 6).DefaultTimeout();
        byte[] largest = new byte[datagrams.MaxDatagramSize];
        largest.AsSpan().Fill(7);
        Assert.True(datagrams.TrySendDatagram(largest));
        int second = await datagrams.ReceiveDatagramAsync(buffer).DefaultTimeout();

        // Assert
        Assert.Equal("echo ping 1", firstEcho);
        Assert.Equal("stream"u8.ToArray(), streamEcho);
        Assert.Equal(1360, datagrams.MaxDatagramSize);   // 1400 - 12 (nonce) - 16 (tag) - 12 (OOB framing)
        Assert.Equal(largest.Length, second);             // the handler sends the largest back as it is
        Assert.Equal(largest, buffer[..second]);
    }

    [Fact]
    public async Task Receive_ConnectionDisposed_Throws()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<DatagramEchoHandler>(), Keyed, withTcp: false);
        await using KcpConnectionFactory client = CreateClient();
        ConnectionContext connection = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();
        IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()!;
        ValueTask<int> pending = datagrams.ReceiveDatagramAsync(new byte[64]);

        await connection.DisposeAsync();

        await Assert.ThrowsAsync<KcpSessionClosedException>(async () => await pending).DefaultTimeout();
        Assert.False(datagrams.TrySendDatagram("late"u8));
    }

    [Fact]
    public async Task SmuxStreamConnection_HasNoDatagramFeature()
    {
        static void Smux(KcpOptions options) => options.Smux = new KcpSmuxOptions { Version = 2 };
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), Smux, withTcp: false);
        var options = new KcpOptions();
        Smux(options);
        await using var client = new KcpConnectionFactory(options);

        await using ConnectionContext stream = await client.ConnectAsync(host.KcpEndPoint).DefaultTimeout();

        Assert.NotNull(stream.Features.Get<IKcpSessionFeature>());
        Assert.Null(stream.Features.Get<IKcpDatagramFeature>());
    }
}

/// <summary>Sends every datagram back ("echo " before short ones) and echoes the stream, until the connection ends.</summary>
public sealed class DatagramEchoHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        IKcpDatagramFeature datagrams = connection.Features.Get<IKcpDatagramFeature>()!;
        Task stream = new EchoConnectionHandler().OnConnectedAsync(connection);
        byte[] buffer = new byte[1500];
        try
        {
            while (true)
            {
                int length = await datagrams.ReceiveDatagramAsync(buffer, connection.ConnectionClosed);
                if (length < 32)
                {
                    byte[] answer = [.. "echo "u8, .. buffer.AsSpan(0, length)];
                    datagrams.TrySendDatagram(answer);
                }
                else
                {
                    datagrams.TrySendDatagram(buffer.AsSpan(0, length));
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionAbortedException)
        {
        }

        await stream.ConfigureAwait(false);
    }
}
