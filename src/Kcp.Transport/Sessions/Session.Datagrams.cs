using Kcp.Transport.Diagnostics;
using Kcp.Transport.Fec;
using Kcp.Transport.Ingress;
using Kcp.Transport.Protocol;

namespace Kcp.Transport.Sessions;

/// <summary>
/// Out-of-band datagrams (kcp-go's <c>SendOOB</c>, <see cref="OobPacket"/>): unreliable, unordered, beside the stream.
/// They leave through the session's send batch and protection like every datagram, bypassing FEC and the engine, and
/// arrive into the <see cref="DatagramInbox"/>.
/// </summary>
internal sealed partial class Session
{
    private bool _openedByDatagram;         // a listener opened this session for an out-of-band datagram
    private bool _streamSeen;               // a KCP part arrived (the first one of a datagram-opened session is checked)

    /// <summary>The largest payload <see cref="TrySendDatagram"/> takes: what one datagram of <see cref="KcpOptions.Mtu"/> holds (kcp-go's <c>GetOOBMaxSize</c> with FEC on).</summary>
    public int MaxDatagramSize => _context.Options.Mtu - _context.Protection.HeaderSize - _context.Protection.TrailerSize - OobPacket.HeaderSize;

    /// <summary>Seals and sends one datagram now; false when it was not sent (session closed, amplification budget).</summary>
    public bool TrySendDatagram(ReadOnlySpan<byte> payload)
    {
        int max = MaxDatagramSize;
        if (payload.Length > max)
        {
            throw new ArgumentException(
                $"The datagram of {payload.Length} bytes is longer than MaxDatagramSize ({max} bytes with KcpOptions.Mtu {_context.Options.Mtu} and Crypt '{_context.Options.Crypt}').",
                nameof(payload));
        }

        int header = _context.Protection.HeaderSize;
        Span<byte> datagram = stackalloc byte[header + OobPacket.HeaderSize + payload.Length];
        OobPacket.Write(datagram[header..], Conversation, payload);
        using (_lock.Enter())
        {
            if (!IsOpen || !_sender.TryTransmitOob(datagram))
            {
                return false;
            }

            _counters.OobSent++;
            return true;
        }
    }

    /// <summary>Copies the oldest received datagram into <paramref name="buffer"/>; false when none is queued.</summary>
    public bool TryReceiveDatagram(Span<byte> buffer, out int length) => _datagrams.TryTake(buffer, out length);

    /// <summary>The oldest received datagram, copied into <paramref name="buffer"/>, as soon as one arrives.</summary>
    public ValueTask<int> ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        => _datagrams.TakeAsync(buffer, cancellationToken);

    /// <summary>An out-of-band datagram of another conversation: counted and dropped, before it touches any state.</summary>
    private bool IsForeignDatagram(in InboundPacket packet)
    {
        if (!packet.IsOob || OobPacket.ReadConversation(packet.Payload) == Conversation)
        {
            return false;
        }

        _context.Counters.OnDropped(PacketDropReason.UnknownConversation);
        return true;
    }

    /// <summary>
    /// Under the lock, for an accepted packet: queues an out-of-band datagram, and checks the first KCP part of a session
    /// a datagram opened. True when the packet was handled here (queued, or the session is ending).
    /// </summary>
    private bool ReceiveOutOfBand(in InboundPacket packet)
    {
        if (packet.IsOob)
        {
            _openedByDatagram |= IsPassive && !_anyReceived;
            _counters.OobReceived++;
            if (!_datagrams.Add(OobPacket.Payload(packet.Payload)))
            {
                _context.Counters.OnDropped(PacketDropReason.OobQueueFull);
            }

            return true;
        }

        if (!_openedByDatagram || _streamSeen)
        {
            return false;
        }

        // The stream of a session a datagram opened must start as a new conversation's does (the listener's admission
        // rule for a first PUSH): a peer whose conversation began with a server that is gone (restarted) would otherwise
        // keep a session whose stream can never move; ended now, the address's tombstone answers its next PUSH with a reset.
        _streamSeen = true;
        if (packet.Kcp.IsEmpty || !KcpPacketValidator.TryValidate(packet.Kcp, out _))
        {
            return false;
        }

        KcpPacketValidator.ScanPushes(packet.Kcp, (uint)_context.Options.ReceiveWindow, out bool freshPush, out _, out bool hasReceived);
        if ((hasReceived && _counters.BytesSent == 0) || (!freshPush && HasPush(packet.Kcp)))
        {
            // Close calls the owner, which must not happen under the lock.
            ThreadPool.UnsafeQueueUserWorkItem(static session => session.CloseStale(), this, preferLocal: false);
            return true;
        }

        return false;
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

    /// <summary>A datagram-opened session whose first KCP part belongs to an older conversation: ended, and the peer told.</summary>
    private void CloseStale() => Close(
        KcpCloseReason.Aborted,
        new KcpSessionClosedException(KcpCloseReason.Aborted, "The KCP session was opened by a datagram of a conversation whose stream began with an earlier server (restarted): it was ended so the peer reconnects."));
}
