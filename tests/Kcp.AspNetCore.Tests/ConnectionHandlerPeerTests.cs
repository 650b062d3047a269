using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Kcp.Transport.Tests.Support;

namespace Kcp.AspNetCore.Tests;

/// <summary>Connection handler tests that need the plain wire (a raw UDP peer) or the default client settings.</summary>
public sealed class ConnectionHandlerPeerTests
{
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
        // A peer that sends one segment and then vanishes without a word (no close notice): a raw UDP socket.
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await peer.SendToAsync(PushSegment(conv: 0x4b435031, payload: 7), host.KcpEndPoint).DefaultTimeout();

        var error = Assert.IsType<ConnectionResetException>(await observed.Task.DefaultTimeout());
        Assert.Equal(KcpCloseReason.IdleTimeout, Assert.IsType<KcpSessionClosedException>(error.InnerException).Reason);
    }

    /// <summary>One KCP PUSH segment (kcp-wire.md §2.1: conv, cmd 81, frg, wnd, ts, sn 0, una 0, len) with one byte.</summary>
    private static byte[] PushSegment(uint conv, byte payload)
    {
        byte[] segment = new byte[25];
        BinaryPrimitives.WriteUInt32LittleEndian(segment, conv);
        segment[4] = 81;
        BinaryPrimitives.WriteUInt16LittleEndian(segment.AsSpan(6), 128);
        BinaryPrimitives.WriteUInt32LittleEndian(segment.AsSpan(20), 1);
        segment[24] = payload;
        return segment;
    }

    [Fact]
    public async Task KcpConnectionFactory_FromAddKcpClient_TalksToTheServer()
    {
        await using KcpTestHost host = await KcpTestHost.StartAsync(listen => listen.UseConnectionHandler<EchoConnectionHandler>(), withTcp: false);
        await using ServiceProvider services = new ServiceCollection().AddLogging().AddKcpClient().BuildServiceProvider();
        IConnectionFactory factory = services.GetRequiredService<IConnectionFactory>();
        await using ConnectionContext connection = await factory.ConnectAsync(host.KcpEndPoint).DefaultTimeout();

        await connection.Transport.Output.WriteAsync("kcp"u8.ToArray()).DefaultTimeout();

        Assert.Equal("kcp"u8.ToArray(), await PipeTransfer.ReadExactlyAsync(connection.Transport.Input, 3).DefaultTimeout());
    }
}
