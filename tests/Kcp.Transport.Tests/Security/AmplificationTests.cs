using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Protocol;
using Kcp.Transport.Tests.Support;
using Xunit.Abstractions;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// The amplification budget of unvalidated sessions (3x what the peer sent) and the probes beyond it that keep a real
/// peer, whose answer was lost, from waiting forever.
/// </summary>
public sealed class AmplificationTests(ITestOutputHelper output)
{
    [Fact]
    public void ProbeSchedule_FirstAfter200Ms_ThenDoublingIntervalsUpTo2Seconds()
    {
        // Probes may leave at 200, 400, 800, 1600, 3200, 5200, 7200 and 9200 ms: 8 within the 10 s an unvalidated
        // session lives without traffic, where one per second allowed 10 and made the first wait a whole second.
        long[] at = [200, 400, 800, 1600, 3200, 5200, 7200, 9200];
        Assert.Equal(0, Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(199));
        for (int i = 0; i < at.Length; i++)
        {
            Assert.Equal(i + 1, Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(at[i]));
            Assert.Equal(i + 1, Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(at[i] + 199));
        }

        Assert.Equal(8, Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(10_000));
    }

    [Fact]
    public async Task SilentPeer_GetsItsBudgetThenBackedOffProbes_NeverMore()
    {
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        KcpSession? server = null;
        _ = Task.Run(async () =>
        {
            // Answers a 16-byte request with 8 KB: far beyond 3x the request.
            server = await listener.AcceptAsync();
            if (server is not null)
            {
                await server.Input.ReadAsync();
                await server.Output.WriteAsync(new byte[8192]);
            }
        });

        // A peer that sends one request and never acknowledges: a spoofed address, or a real client whose answer is lost.
        using Socket peer = NewSocket();
        byte[] request = Segments.Build(Segments.Push(11, 0, ts: 1, new byte[16]));
        var clock = Stopwatch.StartNew();
        peer.SendTo(request, listener.LocalEndPoint);

        var arrivals = new List<(long Ms, int Bytes)>();
        var commands = new List<byte>();
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        peer.ReceiveTimeout = 100;
        while (clock.ElapsedMilliseconds < 3000)
        {
            try
            {
                int n = peer.ReceiveFrom(buffer, ref from);
                arrivals.Add((clock.ElapsedMilliseconds, n));
                for (int at = 0; at + KcpControlBlock.Overhead <= n; at += KcpControlBlock.Overhead + (int)BitConverter.ToUInt32(buffer, at + 20))
                {
                    commands.Add(buffer[at + 4]);
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
            }
        }

        long elapsed = clock.ElapsedMilliseconds;
        output.WriteLine($"arrivals (ms, bytes): {string.Join(", ", arrivals)}");
        long received = arrivals.Sum(a => (long)a.Bytes);
        int probes = arrivals.Count(a => a.Ms > arrivals[0].Ms + 100);
        Assert.NotNull(server);
        Assert.False(server!.Core.IsAddressValidated);
        Assert.True(
            received <= (3 * request.Length) + (Kcp.Transport.Sessions.AmplificationGuard.MaxProbes(elapsed) * options.Mtu),
            $"{received} bytes came back for a {request.Length}-byte request in {elapsed} ms");
        Assert.True(listener.Counters.Dropped(PacketDropReason.AmplificationLimit) > 0, "the budget held nothing back");

        // The ACK of the request reaches the peer: sizing the answer without the ACK in front of it overshot the
        // budget, and the held-back datagram took the ACK with it for good.
        Assert.Contains(KcpCommand.Ack, commands);
        Assert.Contains(KcpCommand.Push, commands);

        // Retransmissions leave at the engine's timeouts (about 200, 500, 950, 1600 ms with this preset) and the
        // schedule lets the first three through; one per second let only the one at 1.6 s through.
        Assert.True(probes >= 2, $"{probes} probes in {elapsed} ms");
    }
}
