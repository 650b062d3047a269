using Kcp.Transport.Io;

namespace Kcp.Transport.Ingress;

/// <summary>What the ingress routes a source address's datagrams to: a session (quic-go's packetHandler).</summary>
internal interface IPacketHandler
{
    /// <summary>The conversation id the handler serves.</summary>
    uint Conversation { get; }

    /// <summary>The source address it serves, as the socket reports it.</summary>
    SocketAddress RemoteAddress { get; }

    /// <summary>Datagrams the handler took in so far (read without its lock: admission ranks unvalidated sessions by it).</summary>
    long DatagramsReceived { get; }

    /// <summary>Starts a handler the ingress created for a new address, before its first datagram.</summary>
    void Start();

    /// <summary>One classified datagram from the handler's address, on a receive loop's thread.</summary>
    void Receive(in InboundPacket packet, ReceiveTurn? turn);

    /// <summary>A datagram from the handler's address failed to open (checksum or tag): corruption, or a wrong key.</summary>
    void OnForged();

    /// <summary>Ends the handler for <paramref name="reason"/> (replaced by a new conversation, transport closed).</summary>
    void Close(KcpCloseReason reason);
}
