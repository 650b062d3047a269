using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.AspNetCore;
using Microsoft.AspNetCore.Connections;
using Kcp.Transport.Tests.Support;

namespace Kcp.Smux.Tests;

/// <summary>Our smux client (<see cref="KcpConnectionFactory"/>) through Debian's kcptun-server to a TCP echo server.</summary>
public sealed class KcptunServerTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OurClient_ThroughKcptunServer_ToATcpEcho(bool compress)
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        Task echoing = EchoAsync(echo, stop.Token);

        int udp = FreeUdpPort();
        await using PeerProcess server = PeerProcess.Start("kcptun-server",
            ["-l", $"127.0.0.1:{udp}", "-t", echo.LocalEndpoint.ToString()!, .. Peers.KcptunFlags(1, compress)], Peers.KcptunHint);
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), Peers.Wait);

        await using var factory = new KcpConnectionFactory(GoSmuxPeerTests.ClientOptions(version: 1, compress));
        var clock = Stopwatch.StartNew();
        var transfers = Enumerable.Range(0, 4).Select(async i =>
        {
            ConnectionContext connection = await factory.ConnectAsync(new IPEndPoint(IPAddress.Loopback, udp));
            await using (connection)
            {
                byte[] data = Peers.Data(8 * 1024 * 1024, seed: 100 + i);
                Task write = PipeTransfer.WriteAllAsync(connection.Transport.Output, data, chunk: 16384);
                byte[] echoed = await PipeTransfer.ReadExactlyAsync(connection.Transport.Input, data.Length);
                await write;
                Assert.Equal(Peers.Sha256(data), Peers.Sha256(echoed));
            }
        }).ToArray();
        await Task.WhenAll(transfers).WaitAsync(Peers.Wait);
        Console.WriteLine($"our client -> kcptun-server compress={compress}: 4 streams x 8 MiB echoed in {clock.Elapsed.TotalSeconds:0.00} s");
        stop.Cancel();
        echo.Stop();
        await echoing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task EchoAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                TcpClient client = await listener.AcceptTcpClientAsync(cancellationToken);
                connections.Add(Task.Run(async () =>
                {
                    using (client)
                    {
                        NetworkStream stream = client.GetStream();
                        try
                        {
                            await stream.CopyToAsync(stream, cancellationToken);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException)
                        {
                            // kcptun-server closed the connection when our stream ended.
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped by the test.
        }

        await Task.WhenAll(connections);
    }
}
