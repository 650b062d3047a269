using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Tests.Support;
using Kcp.Transport.Diagnostics;
using Xunit.Abstractions;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>
/// Admission on a live listener (issue 30): a burst of real clients from one address is admitted on first sight,
/// and a real client from a prefix that floods the listener with fresh conversations gets in on its retransmission.
/// </summary>
public sealed class AdmissionUnderLoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BurstLargerThanTheTokenBucket_FromOneAddress_AllAdmittedOnTheirFirstDatagram()
    {
        // Arrange: the default limits (a burst of 100 tokens, a share of 128); 120 clients on one address.
        const int Clients = 120;
        KcpOptions options = Options();
        await using var listener = KcpListener.Bind(Loopback, options);
        _ = EchoAllAsync(listener);
        var clients = new List<KcpSession>();
        for (int i = 0; i < Clients; i++)
        {
            clients.Add(await KcpClient.ConnectAsync(listener.LocalEndPoint, options));
        }

        try
        {
            // Act: all write at once.
            await Task.WhenAll(clients.Select((c, i) => EchoTransferAsync(c, 100, seed: i)));

            // Assert: nobody was refused or had to retry (before issue 30: 20 refused, then 50 a second).
            Assert.Equal(Clients, listener.Counters.PassiveOpens);
            Assert.Equal(0, listener.Counters.Dropped(PacketDropReason.RateLimited));
            Assert.Equal(0, listener.Counters.Dropped(PacketDropReason.UnvalidatedLimit));
            Assert.Equal(0, listener.Counters.RetriedAdmissions);
        }
        finally
        {
            foreach (KcpSession client in clients)
            {
                client.Abort();
            }
        }
    }

    [Fact]
    public async Task LegitimateClient_FromAFloodedPrefix_GetsInOnItsRetransmission_TheFloodStaysBounded()
    {
        // Arrange: a pool of 64 places; fresh conversations from 127.0.0.2–21 (the client's /24) at about 2,000/s.
        const int Pool = 64;
        KcpOptions options = Options();
        options.Security.MaxUnvalidatedSessions = Pool;
        await using var listener = KcpListener.Bind(Loopback, options);
        var accepted = new List<KcpSession>();
        _ = EchoAllAsync(listener, accepted);
        using var flood = new FreshFlood(listener.LocalEndPoint, sources: 20, perMillisecond: 2);
        int maxUnvalidated = 0;
        await WaitUntilAsync(
            () => (maxUnvalidated = Math.Max(maxUnvalidated, listener.UnvalidatedSessionCount)) >= Pool && flood.Elapsed > TimeSpan.FromSeconds(1.2),
            "the flood to fill the pool and its sessions to reach the eviction age");

        // Act: a real client on 127.0.0.1 asks for an echo.
        await using KcpSession client = await KcpClient.ConnectAsync(listener.LocalEndPoint, options);
        var clock = Stopwatch.StartNew();
        await EchoTransferAsync(client, 1000, seed: 30);
        double admittedMs = clock.Elapsed.TotalMilliseconds;
        maxUnvalidated = Math.Max(maxUnvalidated, listener.UnvalidatedSessionCount);
        (long sent, double seconds) = flood.Stop();

        // Assert
        KcpCounters c = listener.Counters;
        long refused = c.Dropped(PacketDropReason.RateLimited) + c.Dropped(PacketDropReason.UnvalidatedLimit);
        output.WriteLine($"flood {sent / seconds:0}/s for {seconds:0.0} s; the client's echo after {admittedMs:0} ms; refused {refused}, " +
            $"evicted {c.SessionsEvicted}, admitted on retry {c.RetriedAdmissions}, tightened {c.AdmissionTightened}, max unvalidated {maxUnvalidated}, opened {c.PassiveOpens}");
        Assert.True(refused > 0, "the flood was never refused");
        Assert.True(c.RetriedAdmissions >= 1, "the client was not admitted on a retransmission");
        Assert.True(c.SessionsEvicted >= 1, "no flood session gave up its place");
        Assert.InRange(maxUnvalidated, 1, Pool);
        var clientAddress = new IPEndPoint(IPAddress.Loopback, client.LocalEndPoint.Port);
        await WaitUntilAsync(
            () => { lock (accepted) { return accepted.Any(s => s.RemoteEndPoint.Equals(clientAddress) && s.Core.IsAddressValidated); } },
            "the client's session to be validated (our ACK of its echo)");
    }

    /// <summary>
    /// PUSHes (sn 0) of a new random conversation each, each from a new source (127.0.0.2–21, any port: a raw socket
    /// spoofs them), paced by one thread.
    /// </summary>
    private sealed class FreshFlood : IDisposable
    {
        private readonly SpoofedUdpSender _sender = new();
        private readonly Thread _thread;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private volatile bool _stopped;
        private long _sent;

        public FreshFlood(IPEndPoint target, int sources, int perMillisecond)
        {
            _thread = new Thread(() => Run(target, sources, perMillisecond)) { IsBackground = true, Name = "i30a fresh flood" };
            _thread.Start();
        }

        public TimeSpan Elapsed => _clock.Elapsed;

        public (long Sent, double Seconds) Stop()
        {
            _stopped = true;
            _thread.Join();
            return (_sent, _clock.Elapsed.TotalSeconds);
        }

        public void Dispose()
        {
            if (!_stopped)
            {
                Stop();
            }

            _sender.Dispose();
        }

        private void Run(IPEndPoint target, int sources, int perMillisecond)
        {
            var random = new Random(30);
            byte[] push = Protocol.Segments.Build(Protocol.Segments.Push(1, 0, 1, new byte[100]));
            while (!_stopped && _clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                long due = (long)_clock.Elapsed.TotalMilliseconds * perMillisecond;
                while (_sent < due && !_stopped)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(push, (uint)random.Next());
                    BinaryPrimitives.WriteUInt32LittleEndian(push.AsSpan(8), (uint)random.Next());
                    var source = new IPEndPoint(new IPAddress([127, 0, 0, (byte)(2 + (_sent % sources))]), random.Next(1024, 65536));
                    _sender.Send(push, source, target);
                    _sent++;
                }

                Thread.Sleep(1);
            }
        }
    }
}
