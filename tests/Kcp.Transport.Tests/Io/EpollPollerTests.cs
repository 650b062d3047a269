using System.Net;
using Kcp.Transport.Io.Linux;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Io;

/// <summary>
/// Dialed sessions' sockets are drained by their runtime's epoll thread (<see cref="EpollPoller"/>); sockets come and
/// go under it, and descriptor numbers are reused.
/// </summary>
public sealed class EpollPollerTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    private static KcpOptions Options(KcpSocketBackend backend = KcpSocketBackend.Auto) =>
        new KcpOptions { SocketBackend = backend, IdleTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);

    [Fact]
    public async Task ManyDialedSessions_AreAllDrainedByThePoller()
    {
        Assert.True(OperatingSystem.IsLinux() && KcpRuntime.Shared.DialedSocketPoller is not null, "epoll is expected on Linux");
        await using var listener = KcpListener.Bind(Loopback, Options());
        _ = Security.SecurityTestSupport.EchoAllAsync(listener);
        var clients = new List<KcpSession>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                clients.Add(await KcpClient.ConnectAsync(listener.LocalEndPoint, Options()));
            }

            Assert.All(clients, c => Assert.True(c.Core.Socket.IsPolled));
            await Task.WhenAll(clients.Select((c, i) => Security.SecurityTestSupport.EchoTransferAsync(c, 8 * 1024, seed: i)));
        }
        finally
        {
            foreach (KcpSession client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("BatchedWithOffload")]
    [InlineData("Batched")]
    public async Task DialEchoCloseInTurn_EverySocketIsDrained_ClosedOnesLeaveThePoller(string backend)
    {
        // Each closed socket's descriptor number is likely the next socket's: a removal that ran after the close would
        // take the new socket out of epoll, and its echo would never come back.
        await using var listener = KcpListener.Bind(Loopback, Options());
        _ = Security.SecurityTestSupport.EchoAllAsync(listener);
        for (int i = 0; i < 200; i++)
        {
            KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, Options(Enum.Parse<KcpSocketBackend>(backend)));
            Assert.True(client.Core.Socket.IsPolled);
            await Security.SecurityTestSupport.EchoTransferAsync(client, 1024, seed: i);
            await client.DisposeAsync();
            await client.Core.Socket.Completion.DefaultTimeout();
        }
    }
}
