using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// A session's out-of-band datagrams (kcp-go's <c>SendOOB</c>, <see cref="OobPacket"/>): unreliable, unordered, beside
/// the stream. They leave through the session's send batch, amplification guard and protection like every datagram,
/// bypassing FEC and the engine, and arrive into the <see cref="DatagramInbox"/>. A passive session that a datagram
/// opened checks that its stream, when it starts, is a new conversation's.
/// </summary>
internal sealed class DatagramChannel(
    SessionContext context, SessionLock sessionLock, DatagramSender sender, OutputPump stream, SessionCounters counters, uint conv, bool passive, Action<Exception> abort)
{
    private readonly DatagramInbox _inbox = new(context.Options.DatagramQueueLength);
    private bool _closed;                   // guarded by the session lock
    private bool _openedByDatagram;         // a listener opened the session for an out-of-band datagram
    private bool _streamSeen;               // a KCP part arrived since

    /// <summary>The largest payload <see cref="TrySend"/> takes: what one datagram of <see cref="KcpOptions.Mtu"/> holds (kcp-go's <c>GetOOBMaxSize</c> with FEC on).</summary>
    public int MaxDatagramSize => context.Options.Mtu - context.Protection.HeaderSize - context.Protection.TrailerSize - OobPacket.HeaderSize;

    /// <summary>Seals and sends one datagram now; false when it was not sent (session closed, amplification budget).</summary>
    public bool TrySend(ReadOnlySpan<byte> payload)
    {
        int max = MaxDatagramSize;
        if (payload.Length > max)
        {
            throw new ArgumentException(
                $"The datagram of {payload.Length} bytes is longer than MaxDatagramSize ({max} bytes with KcpOptions.Mtu {context.Options.Mtu} and Crypt '{context.Options.Crypt}').",
                nameof(payload));
        }

        int header = context.Protection.HeaderSize;
        Span<byte> datagram = stackalloc byte[header + OobPacket.HeaderSize + payload.Length];
        OobPacket.Write(datagram[header..], conv, payload);
        using (sessionLock.Enter())
        {
            if (_closed || !sender.TryTransmitOob(datagram, stream.IsWaitingForBudget))
            {
                return false;
            }

            counters.OobSent++;
            return true;
        }
    }

    /// <summary>Copies the oldest received datagram into <paramref name="buffer"/>; false when none is queued.</summary>
    public bool TryReceive(Span<byte> buffer, out int length) => _inbox.TryTake(buffer, out length);

    /// <summary>The oldest received datagram, copied into <paramref name="buffer"/>, as soon as one arrives.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _inbox.TakeAsync(buffer, cancellationToken);

    /// <summary>
    /// Under the session lock, for an accepted packet that is not a parity shard: queues an out-of-band datagram (one of
    /// another conversation is counted and dropped), and checks the first KCP part of a session a datagram opened. True
    /// when the packet was handled here (queued, dropped, or the session is being ended): it does not go to the engine.
    /// The session goes on as after any datagram, so a stream waiting for the budget this one added is pumped.
    /// </summary>
    public bool Receive(in InboundPacket packet, bool anyReceived)
    {
        if (packet.IsOob)
        {
            if (OobPacket.ReadConversation(packet.Payload) != conv)
            {
                context.Counters.OnDropped(PacketDropReason.UnknownConversation);
                return true;
            }

            _openedByDatagram |= passive && !anyReceived;
            counters.OobReceived++;
            if (!_inbox.Add(OobPacket.Payload(packet.Payload)))
            {
                context.Counters.OnDropped(PacketDropReason.OobQueueFull);
            }

            return true;
        }

        if (!_openedByDatagram || _streamSeen)
        {
            return false;
        }

        // The stream of a session a datagram opened must start as a new conversation's does (the listener's rule for a
        // first PUSH): a peer whose conversation began with a server that is gone (restarted) would otherwise keep a
        // session whose stream can never move. Ended now, its address's tombstone answers the next PUSH with a reset.
        _streamSeen = true;
        if (packet.Kcp.IsEmpty || !KcpPacketValidator.TryValidate(packet.Kcp, out _))
        {
            return false;
        }

        KcpPacketValidator.ScanPushes(packet.Kcp, (uint)context.Options.ReceiveWindow, out bool freshPush, out _, out bool hasReceived, out _);
        if ((hasReceived && counters.BytesSent == 0) || (!freshPush && HasPush(packet.Kcp)))
        {
            // The session's Close calls its owner, which must not happen under the lock.
            ThreadPool.UnsafeQueueUserWorkItem(static end => end(StaleStream()), abort, preferLocal: false);
            return true;
        }

        return false;
    }

    /// <summary>The session closed (under its lock): no more sends; what is queued can still be read, then <paramref name="error"/>.</summary>
    public void Close(Exception error)
    {
        _closed = true;
        _inbox.Close(error);
    }

    private static bool HasPush(ReadOnlySpan<byte> kcp)
    {
        while (kcp.Length >= KcpSegmentHeader.Size)
        {
            KcpSegmentHeader header = KcpSegmentHeader.Read(kcp);
            if (header.Command == KcpCommand.Push)
            {
                return true;
            }

            kcp = kcp[(KcpSegmentHeader.Size + (int)header.Length)..];
        }

        return false;
    }

    private static KcpSessionClosedException StaleStream() => new(
        KcpCloseReason.Aborted,
        "The KCP session was opened by a datagram of a conversation whose stream began with an earlier server (restarted): it was ended so that the peer reconnects.");
}
