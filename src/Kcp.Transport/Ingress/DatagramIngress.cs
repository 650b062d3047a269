using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;

namespace Kcp.Transport.Ingress;

/// <summary>
/// One socket's datagrams, from the receive loop to a session (quic-go's packetHandlerMap): each is classified once
/// (<see cref="DatagramClassifier"/>) and routed by its source address. What cannot be used is counted by reason and
/// logged at a limited rate, in this one place, for listeners and clients alike.
/// </summary>
internal abstract class DatagramIngress(PacketProtection protection, KcpCounters counters, ILogger logger) : IDatagramReceiver
{
    private readonly LogRateLimiter _checksumLog = new(10_000);
    private readonly LogRateLimiter _dropLog = new(1_000);

    protected KcpCounters Counters => counters;

    protected ILogger Logger => logger;

    protected PacketProtection Protection => protection;

    /// <inheritdoc/>
    public void OnDatagram(Span<byte> datagram, SocketAddress remote, ReceiveTurn turn)
    {
        if (!AcceptsSource(remote))
        {
            Drop(PacketDropReason.UnexpectedSource, remote);
            return;
        }

        if (!DatagramClassifier.TryClassify(protection, datagram, out InboundPacket packet, out PacketDropReason reason))
        {
            if (reason == PacketDropReason.BadChecksum)
            {
                OnForged(remote);
            }
            else
            {
                Drop(reason, remote);
            }

            return;
        }

        Route(packet, remote, turn);
    }

    /// <summary>False for a source this ingress takes nothing from (a client hears only the address it dialed).</summary>
    protected virtual bool AcceptsSource(SocketAddress remote) => true;

    /// <summary>Hands a classified datagram to its address's handler, or decides what a new address gets.</summary>
    protected abstract void Route(in InboundPacket packet, SocketAddress remote, ReceiveTurn turn);

    /// <summary>The handler of <paramref name="remote"/>, if any.</summary>
    protected abstract IPacketHandler? Find(SocketAddress remote);

    /// <summary>Counts a datagram that is not used and logs it (Debug, at most once a second).</summary>
    protected void Drop(PacketDropReason reason, SocketAddress remote)
    {
        counters.OnDropped(reason);
        if (_dropLog.TryAcquire() && logger.IsEnabled(LogLevel.Debug))
        {
            KcpTransportLog.DatagramDropped(logger, remote.ToIPEndPoint(), reason, counters.Dropped(reason));
        }
    }

    /// <summary>A datagram failed to authenticate: counted, its address's session told, logged at most every ten seconds.</summary>
    private void OnForged(SocketAddress remote)
    {
        counters.OnDropped(PacketDropReason.BadChecksum);
        Find(remote)?.OnForged();
        if (_checksumLog.TryAcquire())
        {
            KcpTransportLog.ChecksumFailures(logger, remote.ToIPEndPoint(), counters.InChecksumErrors);
        }
    }
}
