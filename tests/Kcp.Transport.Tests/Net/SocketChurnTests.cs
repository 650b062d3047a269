using System.Diagnostics;
using System.Net;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// Sockets whose receive buffers are pinned and handed to the kernel must never let it write into memory the GC has
/// reused: a listener and a dialed session are opened, the client writes and closes while the server has not read, a
/// full collection runs, then the listener closes with its session, back to back. A buffer that can be freed while a
/// receive still reaches it corrupts the heap within a few hundred cycles here and crashes the run (a first shared
/// receive thread for dialed sockets did; <see cref="Kcp.Transport.Io.Linux.EpollPoller"/> keeps a socket's buffers reachable while it
/// drains it and leaves epoll before the descriptor closes).
/// </summary>
public sealed class SocketChurnTests(ITestOutputHelper output)
{
    private const int Cycles = 600;
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    [Theory]
    [InlineData("BatchedWithOffload")]
    [InlineData("Batched")]
    public async Task ListenerAndDialerChurn_WithCollections_EveryCycleConnectsAndNothingCorrupts(string io)
    {
        var options = new KcpOptions { SocketBackend = Enum.Parse<KcpSocketBackend>(io), LingerTimeout = TimeSpan.FromSeconds(5), AckNoDelay = true }.ApplyPreset(KcpPreset.Fast3);
        byte[] payload = PipeTransfer.RandomBytes(3000, seed: 7);
        var clock = Stopwatch.StartNew();
        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            await using (KcpListener listener = KcpListener.Bind(Loopback, options))
            {
                KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
                await client.Output.WriteAsync(payload).DefaultTimeout();
                KcpSession? server = await listener.AcceptAsync().AsTask().DefaultTimeout();
                Assert.NotNull(server);
                await client.DisposeAsync().AsTask().DefaultTimeout();
                GC.Collect();
            }
        }

        output.WriteLine($"{Cycles} cycles ({io}) in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
