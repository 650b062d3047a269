using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Kcp.Transport.Tests.Support;

namespace Kcp.Transport.Tests.Net;

/// <summary>
/// <see cref="KcpOptions.ReusePort"/>: listeners that set it share one port (SO_REUSEPORT), the kernel spreads sessions
/// over them by the 4-tuple, and each session stays with the listener that opened it.
/// </summary>
public sealed class ReusePortTests
{
    private static KcpOptions Options(bool reusePort) => new KcpOptions { ReusePort = reusePort, IdleTimeout = TimeSpan.FromSeconds(30) }.ApplyPreset(KcpPreset.Fast3);

    [Fact]
    public async Task Bind_SamePortWithoutReusePort_SecondListenerFailsAddressInUse()
    {
        // Arrange
        await using var first = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(reusePort: false));

        // Act
        var error = Assert.Throws<SocketException>(() => KcpListener.Bind(first.LocalEndPoint, Options(reusePort: false)));

        // Assert
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Bind_OnlyTheSecondListenerAsksForReusePort_FailsAddressInUse()
    {
        // Arrange: the kernel shares a port only among sockets that all set SO_REUSEPORT.
        await using var first = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(reusePort: false));

        // Act
        var error = Assert.Throws<SocketException>(() => KcpListener.Bind(first.LocalEndPoint, Options(reusePort: true)));

        // Assert
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Bind_TwoListenersWithReusePort_SessionsSpreadOverBothAndEachStaysOnOne()
    {
        // Arrange: two listeners on one port, each answering every message with its own name.
        const int Sessions = 40;
        const int MessagesPerSession = 3;
        await using var a = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), Options(reusePort: true));
        await using var b = KcpListener.Bind(a.LocalEndPoint, Options(reusePort: true));
        using var stop = new CancellationTokenSource();
        Task servingA = ServeAsync(a, "A", stop.Token);
        Task servingB = ServeAsync(b, "B", stop.Token);

        // Act: every client sends a few messages, one at a time, and records who answered each.
        var answers = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => Task.Run(async () =>
        {
            await using KcpSession client = await KcpClient.ConnectAsync(a.LocalEndPoint, Options(reusePort: true));
            var names = new List<string>();
            for (int i = 0; i < MessagesPerSession; i++)
            {
                await client.Output.WriteAsync(new byte[] { (byte)i });
                names.Add(Encoding.ASCII.GetString(await PipeTransfer.ReadExactlyAsync(client.Input, 1)));
            }

            return names;
        }))).DefaultTimeout();
        await stop.CancelAsync();
        await Task.WhenAll(servingA, servingB).DefaultTimeout();

        // Assert: both listeners served, no session moved (each client heard one name), and none was opened twice.
        Assert.All(answers, names => Assert.Single(names.Distinct()));
        int onA = answers.Count(names => names[0] == "A");
        Assert.InRange(onA, 1, Sessions - 1);
        Assert.Equal(Sessions, a.Counters.PassiveOpens + b.Counters.PassiveOpens);
        Assert.Equal(onA, a.Counters.PassiveOpens);
    }

    private static async Task ServeAsync(KcpListener listener, string name, CancellationToken stop)
    {
        var sessions = new List<Task>();
        try
        {
            while (await listener.AcceptAsync(stop) is { } session)
            {
                sessions.Add(Task.Run(async () =>
                {
                    await using (session)
                    {
                        while (true)
                        {
                            ReadResult read = await session.Input.ReadAsync();
                            for (long i = 0; i < read.Buffer.Length; i++)
                            {
                                await session.Output.WriteAsync(Encoding.ASCII.GetBytes(name));
                            }

                            session.Input.AdvanceTo(read.Buffer.End);
                            if (read.IsCompleted)
                            {
                                return;
                            }
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The clients are done.
        }

        await Task.WhenAll(sessions.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
    }
}
