using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kcp.Transport.Protocol;
using Kcp.Transport.Tests.Protocol;
using static Kcp.Transport.Tests.Security.SecurityTestSupport;

namespace Kcp.Transport.Tests.Security;

/// <summary>A hand-driven raw peer: a small request, a large response, validation by an ACK echoing (sn, ts).</summary>
public sealed class AddressValidationTests
{
    private const uint Conv = 0x4242;

    private static async Task<(KcpListener Listener, Task<KcpSession> Accepted, Socket Peer, int Sent)> StartAsync()
    {
        var listener = KcpListener.Bind(Loopback, Options());
        Task<KcpSession> accepted = Task.Run(async () =>
        {
            KcpSession session = (await listener.AcceptAsync())!;
            await session.Output.WriteAsync(new byte[64 * 1024]);
            return session;
        });
        Socket peer = NewSocket();
        byte[] request = Segments.Build(Segments.Push(Conv, 0, 777, new byte[20]));
        peer.SendTo(request, listener.LocalEndPoint);
        return (listener, accepted, peer, request.Length);
    }

    private static List<KcpSegmentHeader> Receive(Socket peer, TimeSpan wait, ref long bytes)
    {
        var headers = new List<KcpSegmentHeader>();
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        if (!peer.Poll(wait, SelectMode.SelectRead))
        {
            return headers;
        }

        while (peer.Available > 0)
        {
            int n = peer.ReceiveFrom(buffer, ref any);
            bytes += n;
            var span = buffer.AsSpan(0, n);
            while (span.Length >= KcpSegmentHeader.Size)
            {
                var h = KcpSegmentHeader.Read(span);
                headers.Add(h);
                span = span[(KcpSegmentHeader.Size + (int)Math.Min(h.Length, (uint)(span.Length - KcpSegmentHeader.Size)))..];
            }
        }

        return headers;
    }

    [Fact]
    public async Task SmallRequest_GetsASmallFirstSegment_ItsEchoValidates_ThenTheWholeResponseFlows()
    {
        var (listener, accepted, peer, sent) = await StartAsync();
        await using var _ = listener;
        using var __ = peer;
        KcpSession session = await accepted.WaitAsync(TimeSpan.FromSeconds(60));
        long received = 0;
        KcpSegmentHeader? firstPush = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (firstPush is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "no PUSH from the server");
            firstPush = Receive(peer, TimeSpan.FromMilliseconds(200), ref received).LastOrDefault(h => h.Command == KcpCommand.Push);
        }

        // Before validation: at most 3x what we sent, in a segment small enough to fit that budget.
        Assert.True(received <= 3 * sent, $"{received} bytes back for {sent}");
        Assert.False(session.Core.IsAddressValidated);

        // A wrong ts does not validate; the exact (sn, ts) does.
        KcpSegmentHeader push = firstPush.Value;
        long processed = listener.Counters.ProcessedPackets;
        peer.SendTo(Segments.Build(Segments.Ack(Conv, push.SequenceNumber, push.Timestamp + 1, una: 0)), listener.LocalEndPoint);
        await WaitForProcessedAsync(listener, processed + 1);
        Assert.False(session.Core.IsAddressValidated);

        // The server may have retransmitted before that ACK (the last send time is the one to echo).
        foreach (KcpSegmentHeader h in Receive(peer, TimeSpan.FromMilliseconds(50), ref received))
        {
            if (h.Command == KcpCommand.Push && h.SequenceNumber == push.SequenceNumber)
            {
                push = h;
            }
        }

        Assert.True(received <= 3 * sent, $"{received} bytes back for {sent}");
        peer.SendTo(Segments.Build(Segments.Ack(Conv, push.SequenceNumber, push.Timestamp, una: 1)), listener.LocalEndPoint);
        // The session flags itself validated, then tells the listener: wait for both.
        await WaitUntilAsync(() => session.Core.IsAddressValidated && listener.UnvalidatedSessionCount == 0, "validation by the echo");

        // Now the rest flows without the budget: receive and acknowledge until 64 KB arrived.
        long payload = push.Length;
        uint next = push.SequenceNumber + 1;
        while (payload < 64 * 1024)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {payload} bytes of the response arrived");
            foreach (KcpSegmentHeader h in Receive(peer, TimeSpan.FromMilliseconds(200), ref received))
            {
                if (h.Command != KcpCommand.Push)
                {
                    continue;
                }

                if (h.SequenceNumber == next)
                {
                    payload += h.Length;
                    next++;
                }

                peer.SendTo(Segments.Build(Segments.Ack(Conv, h.SequenceNumber, h.Timestamp, una: next, wnd: 1024)), listener.LocalEndPoint);
            }
        }

        Assert.True(received > 3 * sent);
    }
}
