using System.Globalization;
using System.Net;
using Kcp.Interop.Tests.Harness;
using Kcp.Transport;

namespace Kcp.Interop.Tests;

/// <summary>A kcp-go peer killed mid-transfer is noticed (dead link or idle timeout) and its session closed.</summary>
public sealed class PeerLossInteropTests
{
    [Fact]
    public async Task GoPeerKilledMidTransfer_CSharpSessionClosesByDeadLinkOrIdleTimeout()
    {
        // Arrange: kcp-go streams into a C# echo; both directions carry data when the Go process dies.
        using var cts = new CancellationTokenSource(GoPeer.DefaultWait);
        var options = new KcpOptions { IdleTimeout = TimeSpan.FromSeconds(3), DeadLink = 10 }.ApplyPreset(KcpPreset.Fast3);
        await using KcpListener listener = KcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), options);
        long bytes = 1L << 30;
        await using GoPeer dialer = GoPeer.Start(
            ["dial", listener.LocalEndPoint.ToString(), "--mode", "echo", "--mode-preset", "fast3", "--bytes", bytes.ToString(CultureInfo.InvariantCulture), "--timeout", "120"]);
        KcpSession session = await listener.AcceptAsync(cts.Token)
            ?? throw new InvalidOperationException($"The listener stopped accepting. {dialer.Describe()}");
        await using (session)
        {
            Task echo = EchoAsync(session, cts.Token);
            while (session.GetStatistics().Counters.BytesReceived < 1 << 20)
            {
                await Task.Delay(20, cts.Token);
            }

            // Act
            dialer.Kill();
            await Task.Delay(Timeout.Infinite, session.Closed).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cts.Token);

            // Assert
            Assert.Contains(session.CloseReason, new[] { KcpCloseReason.DeadLink, KcpCloseReason.IdleTimeout });
            await echo.WaitAsync(cts.Token);

            // Datagrams still queued when the process died may open a stray session; it idles out as well.
            while (listener.SessionCount > 0)
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }

    // Echoes until the session ends; its failure is the expected outcome here.
    private static async Task EchoAsync(KcpSession session, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await session.Input.ReadAsync(cancellationToken);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await session.Output.WriteAsync(segment, cancellationToken);
                }

                session.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
        }
    }
}
