using Kcp.Transport.Crypto;
using Kcp.Transport.Diagnostics;
using Kcp.Transport.Io;

namespace Kcp.Transport.Ingress;

/// <summary>
/// A dialed session's socket: datagrams are taken only from the dialed address (upstream kcp-go ≥ 5.6.59) and all go
/// to the one session.
/// </summary>
internal sealed class ClientIngress(SocketAddress remote, PacketProtection protection, KcpCounters counters, ILogger logger)
    : DatagramIngress(protection, counters, logger)
{
    private IPacketHandler? _session;

    /// <summary>The session that gets every datagram; set once, before receiving starts.</summary>
    public void Attach(IPacketHandler session) => _session = session;

    /// <inheritdoc/>
    protected override bool AcceptsSource(SocketAddress source) => source.Equals(remote);

    /// <inheritdoc/>
    protected override void Route(in InboundPacket packet, SocketAddress source, ReceiveTurn turn) => _session?.Receive(packet, turn);

    /// <inheritdoc/>
    protected override IPacketHandler? Find(SocketAddress source) => _session;
}
