using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ChatHub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChatHub.Tests.Sample;

/// <summary>
/// The console client as a process (<c>ChatHub client --ping N --fallback URL</c>) against the sample server: where
/// the KCP port silently drops datagrams it says it ran over WebSockets, where KCP works it says kcp.
/// </summary>
public sealed class FallbackClientTests(ChatServerFactory server, ITestOutputHelper output) : IClassFixture<ChatServerFactory>
{
    [Fact]
    public async Task Ping_KcpPortDropsEverything_FallsBackAndSaysWebSockets()
    {
        // Arrange: a UDP socket on the port the client dials, reading and discarding every datagram.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var draining = new CancellationTokenSource();
        long swallowed = 0;
        Task drain = Task.Run(async () =>
        {
            byte[] buffer = new byte[2048];
            try
            {
                while (true)
                {
                    await blackHole.ReceiveAsync(buffer, draining.Token);
                    Interlocked.Increment(ref swallowed);
                }
            }
            catch (OperationCanceledException)
            {
                // Test over.
            }
        });

        // Act
        JsonElement ping = await PingAsync((IPEndPoint)blackHole.LocalEndPoint!);
        await draining.CancelAsync();
        await drain.WithTimeout();

        // Assert: WebSockets carried it, long before KCP's own connect timeout (5 s), and KCP did try.
        Assert.Equal("websockets", ping.GetProperty("transport").GetString());
        Assert.True(ping.GetProperty("startMs").GetDouble() < 3000, ping.ToString());
        Assert.True(Interlocked.Read(ref swallowed) > 0, "the client never sent a KCP datagram");
    }

    [Fact]
    public async Task Ping_KcpWorks_SaysKcp()
    {
        JsonElement ping = await PingAsync(server.KcpEndPoint);

        Assert.Equal("kcp", ping.GetProperty("transport").GetString());
    }

    private async Task<JsonElement> PingAsync(IPEndPoint kcp)
    {
        server.StartServer();
        string fallback = server.ClientOptions.BaseAddress.ToString();
        await using SampleProcess client = SampleProcess.Start(
            new Dictionary<string, string>(),
            "client", "--ping", "5", "--server", kcp.ToString(), "--fallback", fallback);
        await client.WaitForExitAsync();
        output.WriteLine(client.Output);
        Assert.Equal(0, client.ExitCode);
        string line = client.Output.Split('\n').Last(l => l.StartsWith("{\"mode\":\"ping\"", StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}
