using System.Net.Sockets;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Tests.Support;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>Captured real traffic replayed, reflected and tampered with against a live listener.</summary>
public sealed class ReplayReflectionTamperTests
{
    private sealed record Capture(KcpListener Listener, KcpSession Server, KcpSession Client, CaptureRelay Relay) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Abort();
            await Relay.DisposeAsync();
            await Listener.DisposeAsync();
        }
    }

    /// <summary>A client talks to an echo listener through a recording relay; returns once everything is acknowledged.</summary>
    private static async Task<Capture> CaptureAsync(string crypt)
    {
        KcpOptions options = Options(crypt, dataShards: 4, parityShards: 2);
        var listener = KcpListener.Bind(Loopback, options);
        var accepted = new List<KcpSession>();
        _ = EchoAllAsync(listener, accepted);
        var relay = new CaptureRelay(listener.LocalEndPoint);
        KcpSession client = await KcpClient.ConnectAsync(relay.EndPoint, options);
        await EchoTransferAsync(client, 256 * 1024, seed: 3);
        KcpSession server;
        lock (accepted)
        {
            server = Assert.Single(accepted);
        }

        await WaitUntilAsync(() => client.GetStatistics().InFlight == 0 && server.GetStatistics().InFlight == 0, "both sides acknowledged");
        relay.Forwarding = false;
        Assert.True(server.Core.IsAddressValidated);
        return new Capture(listener, server, client, relay);
    }

    [Theory]
    [InlineData("aes-128-gcm")]
    [InlineData("aes")]
    public async Task Replay_10000CapturedDatagrams_NoneAccepted_RtoUnchanged_NoSession(string crypt)
    {
        await using Capture c = await CaptureAsync(crypt);
        KcpSessionStatistics before = c.Server.GetStatistics();
        byte[][] captured = c.Relay.ToServer;
        Assert.True(captured.Length > 100, $"only {captured.Length} datagrams captured");
        bool aead = crypt == "aes-128-gcm";
        long droppedBefore = c.Listener.Counters.DroppedTotal;

        // Same source as the session; with aes-128-gcm also from 5 other ports (classic modes have no replay defence
        // against a new address by design: there the caps and the rate limit bound what a replay can open).
        var spoofed = Enumerable.Range(0, 5).Select(_ => NewSocket()).ToArray();
        try
        {
            var sends = new List<(Socket, byte[])>();
            for (int i = 0; i < 10_000; i++)
            {
                Socket from = !aead || i % 2 == 0 ? c.Relay.Upstream : spoofed[i % spoofed.Length];
                sends.Add((from, captured[i % captured.Length]));
            }

            await SendPacedAsync(c.Listener, sends);

            KcpSessionStatistics after = c.Server.GetStatistics();
            Assert.Equal(1, c.Listener.Counters.PassiveOpens);
            Assert.Equal(1, c.Listener.SessionCount);
            Assert.Equal(before.Counters.BytesReceived, after.Counters.BytesReceived);
            Assert.Equal(before.RetransmissionTimeout, after.RetransmissionTimeout);
            Assert.Equal(before.SmoothedRtt, after.SmoothedRtt);
            if (aead)
            {
                // Every replay is refused before KCP sees it: as a replay, or (new address) as unable to open a session
                // (no fresh PUSH, parity only) or over the new-session rate.
                Assert.Equal(10_000, c.Listener.Counters.DroppedTotal - droppedBefore);
                Assert.True(c.Listener.Counters.Dropped(PacketDropReason.Replayed) >= 5_000);
                Assert.Equal(before.Counters.InSegments, after.Counters.InSegments);
            }
        }
        finally
        {
            foreach (Socket s in spoofed)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public async Task Reflection_ServerDatagramsSentBackToTheServer_AreDropped()
    {
        await using Capture c = await CaptureAsync("aes-128-gcm");
        KcpSessionStatistics before = c.Server.GetStatistics();
        byte[][] fromServer = c.Relay.ToClient;
        using Socket other = NewSocket();
        var sends = fromServer.Select((d, i) => (i % 2 == 0 ? c.Relay.Upstream : other, d)).ToList();

        await SendPacedAsync(c.Listener, sends);

        Assert.Equal(fromServer.Length, c.Listener.Counters.Dropped(PacketDropReason.Reflected));
        Assert.Equal(1, c.Listener.Counters.PassiveOpens);
        Assert.Equal(before.Counters.InSegments, c.Server.GetStatistics().Counters.InSegments);
    }

    [Theory]
    [InlineData("aes-128-gcm")]
    [InlineData("aes")]
    public async Task Tampering_OneBitFlippedIn10000Datagrams_EveryOneDroppedAndCounted(string crypt)
    {
        await using Capture c = await CaptureAsync(crypt);
        KcpSessionStatistics before = c.Server.GetStatistics();
        byte[][] captured = c.Relay.ToServer;
        var random = new Random(11);
        using Socket other = NewSocket();
        var sends = new List<(Socket, byte[])>();
        for (int i = 0; i < 10_000; i++)
        {
            byte[] datagram = (byte[])captured[random.Next(captured.Length)].Clone();
            int bit = random.Next(datagram.Length * 8);
            datagram[bit / 8] ^= (byte)(1 << (bit % 8));
            sends.Add((i % 2 == 0 ? c.Relay.Upstream : other, datagram));
        }

        long checksumBefore = c.Listener.Counters.InChecksumErrors;
        await SendPacedAsync(c.Listener, sends);

        if (crypt == "aes-128-gcm")
        {
            Assert.Equal(10_000, c.Listener.Counters.InChecksumErrors - checksumBefore);
        }
        else
        {
            // CFB + CRC-32: a flipped bit in the nonce changes the whole keystream, in the CRC or payload it breaks the
            // CRC; either way the CRC catches it (a CRC is no MAC: a forger who knows the plaintext can still fix it).
            Assert.Equal(10_000, c.Listener.Counters.InChecksumErrors - checksumBefore);
        }

        Assert.Equal(1, c.Listener.Counters.PassiveOpens);
        Assert.Equal(before.Counters.BytesReceived, c.Server.GetStatistics().Counters.BytesReceived);
    }
}
